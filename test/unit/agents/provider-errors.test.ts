// A provider's error as jobline shows it never carries a piece of the key, however the provider's
// body was cut (split from test/unit/text/secrets.test.ts: too slow for each of Stryker's mutants).
import { APICallError } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderSpec } from '../../../src/agents/agent.js';
import { describeProviderError } from '../../../src/agents/llm/provider.js';
import { MIN_SECRET_FRAGMENT } from '../../../src/text/secrets.js';

const KEY = 'sk-live-7f3a9c1e5b2d8f4a6c0e9b3d7f1a5c8e2b4d6f8a0c3e5b7d9f1a3c5e7b9d'; // 67 characters

/** MIN_SECRET_FRAGMENT when `text` holds a piece of KEY that long (or longer), else 0. */
function longestKeyPiece(text: string): number {
  for (let start = 0; start + MIN_SECRET_FRAGMENT <= KEY.length; start++) {
    if (text.includes(KEY.slice(start, start + MIN_SECRET_FRAGMENT))) return MIN_SECRET_FRAGMENT;
  }
  return 0;
}

describe('describeProviderError', () => {
  const provider: ProviderSpec = { name: 'p', type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'JOBLINE_SCRUB_TEST_KEY' };
  afterEach(() => {
    delete process.env.JOBLINE_SCRUB_TEST_KEY;
  });

  it('never shows a piece of the key, at any offset of an error body of any length (it cuts bodies to 300 characters)', () => {
    process.env.JOBLINE_SCRUB_TEST_KEY = KEY;
    for (let length = 0; length <= 420; length += 7) {
      for (let offset = 0; offset <= length; offset += 1) {
        const body = `${'e'.repeat(offset)}Authorization: Bearer ${KEY}${'e'.repeat(length - offset)}`;
        const error = new APICallError({ message: body, url: 'http://127.0.0.1:9/v1/chat/completions', requestBodyValues: {}, statusCode: 500 });
        const message = describeProviderError(error, provider, 1);
        if (longestKeyPiece(message) >= MIN_SECRET_FRAGMENT) throw new Error(`offset ${offset}, length ${length}: ${message}`);
      }
    }
  });
});
