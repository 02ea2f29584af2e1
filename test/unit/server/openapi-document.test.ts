// The API's contract as clients read it: the OpenAPI document the server serves is exactly
// docs/openapi.json, route by route (summary, parameters, body and query schemas with their
// limits and patterns, answers). A change of the API shows there, in review. After a deliberate
// change: `npx vitest run -u test/unit/server/openapi-document.test.ts` rewrites the file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeApiApp } from './api-harness.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('the OpenAPI document', () => {
  it('is docs/openapi.json, exactly', async () => {
    const api = makeApiApp({ deps: { version: VERSION } });
    const { status, body } = await api.call('GET', '/api/openapi.json');
    expect(status).toBe(200);
    await expect(`${JSON.stringify(body, null, 2)}\n`).toMatchFileSnapshot('../../../docs/openapi.json');
  });
});
