// The API app's own rules, in-process (see api-harness.ts): the credential every request needs (the
// token, the browser key, a single-use ticket for the event stream), the headers on every answer,
// the scrubbing of every body, the one error shape, and the routes api-app.ts declares itself.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/store/server-presence.js';
import { MAX_BODY_BYTES } from '../../../src/server/api-app.js';
import { ORIGIN, TOKEN, makeApiApp } from './api-harness.js';

const SAFE = { 'cross-origin-resource-policy': 'same-origin', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };

// Logs a browser in as the dashboard's page does: a link minted with the token, its code traded.
async function logIn(api: ReturnType<typeof makeApiApp>): Promise<string> {
  const { body } = await api.call('POST', '/api/login-links', {});
  const traded = await api.call('POST', '/api/login', { code: body.url.slice('/login/'.length) }, { token: null });
  expect(traded.status).toBe(200);
  return traded.body.key as string;
}

describe('the credential', () => {
  it('is the token or the browser key as a bearer: none, a wrong one or another scheme gets 401 UNAUTHORIZED', async () => {
    const api = makeApiApp();
    expect((await api.call('GET', '/api/jobs')).status).toBe(200);
    for (const token of [null, '', 'f'.repeat(64), `${TOKEN}x`, TOKEN.slice(1)]) {
      const answer = await api.call('GET', '/api/jobs', undefined, { token });
      expect(answer.status, String(token)).toBe(401);
      expect(answer.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'This request carries no valid token: send Authorization: Bearer <token> (the token is in the jobs folder, file server-token).' } });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
    for (const authorization of [`Basic ${TOKEN}`, `bearer ${TOKEN}`, TOKEN, `Bearer`]) {
      expect((await api.call('GET', '/api/jobs', undefined, { token: null, headers: { authorization } })).status, authorization).toBe(401);
    }
    expect((await api.call('GET', '/api/jobs', undefined, { token: null, headers: { authorization: `Bearer   ${TOKEN}  ` } })).status).toBe(200);
    // Only a 401 asks for a bearer.
    expect((await api.call('GET', '/api/nothing')).headers.get('www-authenticate')).toBeNull();
    const refused = await api.call('GET', '/api/jobs/job-zzzzzzzz');
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([404, null]);
    const key = await logIn(api);
    expect((await api.call('GET', '/api/jobs', undefined, { token: key })).status).toBe(200);
    expect((await api.call('GET', '/api/openapi.json', undefined, { token: null })).status).toBe(401);
  });

  it('of a browser changes nothing unless the request says it comes from the dashboard\'s own page', async () => {
    const api = makeApiApp();
    const key = await logIn(api);
    const refused = await api.call('POST', '/api/login-links', {}, { token: key });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: 'CROSS_ORIGIN', message: "Refused: a change made with the browser key must come from the dashboard's own page (Origin)." });
    expect((await api.call('POST', '/api/login-links', {}, { token: key, headers: { origin: ORIGIN } })).status).toBe(201);
    expect((await api.call('POST', '/api/login-links', {}, { token: key, headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(201);
    // Reads need no Origin; the token never does.
    expect((await api.call('GET', '/api/board', undefined, { token: key })).status).toBe(200);
    expect((await api.call('POST', '/api/login-links', {})).status).toBe(201);
  });

  it('of a browser ends at a log out, or when the key file goes; the token goes on working', async () => {
    const api = makeApiApp();
    const key = await logIn(api);
    const out = await api.call('POST', '/api/logout', {}, { token: key, headers: { origin: ORIGIN } });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    expect((await api.call('GET', '/api/board', undefined, { token: key })).status).toBe(401);
    expect((await api.call('GET', '/api/board')).status).toBe(200);
    const next = await logIn(api);
    expect(next).not.toBe(key);
    expect((await api.call('GET', '/api/board', undefined, { token: next })).status).toBe(200);
  });
});

describe('event-stream tickets', () => {
  it('open GET /api/events once, within their time, and nothing else', async () => {
    const api = makeApiApp();
    const minted = await api.call('POST', '/api/event-tickets', {});
    expect(minted.status).toBe(201);
    expect(minted.body.ticket).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(minted.body.expiresAt) - Date.now()).toBeGreaterThan(20_000);
    const { ticket } = minted.body;
    // Not a credential for anything but the stream.
    expect((await api.call('GET', `/api/jobs?ticket=${ticket}`, undefined, { token: null })).status).toBe(401);
    expect((await api.call('POST', `/api/events?ticket=${ticket}`, undefined, { token: null })).status).toBe(401);
    const opened = await api.app.request(`${ORIGIN}/api/events?ticket=${ticket}`, {}, { incoming: { headers: { host: '127.0.0.1:4321' }, socket: { localPort: 4321 } } });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toContain('text/event-stream');
    await opened.body!.cancel();
    const again = await api.call('GET', `/api/events?ticket=${ticket}`, undefined, { token: null });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('UNAUTHORIZED');
    // A wrong bearer with a good ticket: the bearer is what counts.
    const second = (await api.call('POST', '/api/event-tickets', {})).body.ticket;
    expect((await api.call('GET', `/api/events?ticket=${second}`, undefined, { token: 'x'.repeat(64) })).status).toBe(401);
  });

  it('of a browser stand only while its key does', async () => {
    const api = makeApiApp();
    const key = await logIn(api);
    const { ticket } = (await api.call('POST', '/api/event-tickets', {}, { token: key, headers: { origin: ORIGIN } })).body;
    await api.call('POST', '/api/logout', {});
    expect((await api.call('GET', `/api/events?ticket=${ticket}`, undefined, { token: null })).status).toBe(401);
  });
});

describe('every answer', () => {
  it('carries the headers that keep other origins out, whatever its status', async () => {
    const api = makeApiApp();
    for (const [path, token] of [['/api/jobs', TOKEN], ['/api/jobs', null], ['/api/nothing', TOKEN], ['/', null], ['/login/abc', null]] as const) {
      const answer = await api.call('GET', path, undefined, { token });
      for (const [name, value] of Object.entries(SAFE)) expect(answer.headers.get(name), `${path} ${name}`).toBe(value);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  describe('with a provider key in the environment', () => {
    const KEY = 'sk-test-0123456789abcdefghijklmnopqrstuv';
    afterEach(() => {
      delete process.env.JOBLINE_API_APP_TEST_KEY;
    });

    it('never holds the key: JSON and text bodies are scrubbed, errors too', async () => {
      process.env.JOBLINE_API_APP_TEST_KEY = KEY;
      const api = makeApiApp({ config: { providers: { p: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'JOBLINE_API_APP_TEST_KEY' } } } });
      const submitted = await api.call('POST', '/api/jobs', { agent: 'two', prompt: `use ${KEY} please` });
      expect(submitted.status).toBe(201);
      expect(submitted.text).not.toContain(KEY.slice(0, 12));
      expect(submitted.body.job.description).toBe('use *** please');
      const shown = await api.call('GET', `/api/jobs/${submitted.body.job.id}`);
      expect(shown.body.job.description).toBe('use *** please');
      const missing = await api.call('GET', `/api/nothing/${KEY}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.message).toBe('No route GET /api/nothing/***; see /api/openapi.json.');
      // The answer stays what it was otherwise: status, type and headers.
      expect(missing.headers.get('content-type')).toContain('application/json');
      expect(missing.headers.get('x-frame-options')).toBe('DENY');
    });

    it("serves the dashboard's files byte for byte: only JSON and text answers are scrubbed", async () => {
      // A key that happens to be a line of the stylesheet: a script or a stylesheet is never rewritten.
      const css = readFileSync(new URL('../../../src/dashboard/app.css', import.meta.url), 'utf8');
      const line = css.split('\n').find((text) => text.trim().length >= 20)!.trim();
      process.env.JOBLINE_API_APP_TEST_KEY = line;
      const api = makeApiApp({ config: { providers: { p: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'JOBLINE_API_APP_TEST_KEY' } } } });
      const served = await api.call('GET', '/assets/app.css', undefined, { token: null });
      expect([served.status, served.text]).toEqual([200, css]);
      // The same text in a JSON answer is scrubbed.
      const submitted = await api.call('POST', '/api/jobs', { agent: 'two', prompt: line });
      expect(submitted.body.job.description).toBe('***');
    });

    it('still streams a followed output as it is written (its file is scrubbed when written)', async () => {
      process.env.JOBLINE_API_APP_TEST_KEY = KEY;
      const api = makeApiApp({ config: { providers: { p: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'JOBLINE_API_APP_TEST_KEY' } } } });
      const id = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
      const run = await api.executor.whenRuns(1);
      api.outputs.set(id, ['first']);
      const followed = await api.request('GET', `/api/jobs/${id}/logs?follow=true`);
      const reader = followed.body!.pipeThrough(new TextDecoderStream()).getReader();
      // The first lines come while the run still runs: the answer is not held back to be scrubbed whole.
      expect((await reader.read()).value).toBe('first\n');
      run.complete();
      (await api.executor.whenRuns(2)).complete();
      while (!(await reader.read()).done) { /* until the job ends */ }
    });
  });
});

describe('errors', () => {
  it('are one shape: an unknown route 404 NOT_FOUND naming it (cut), a program error 500 INTERNAL, a refusal its status', async () => {
    const failures: unknown[] = [new Error('socket exploded'), new ServerError('SERVER_LISTEN', 'Port 80 is taken.')];
    const api = makeApiApp({ deps: { listenHttp: async () => { throw failures.shift(); } } });
    const route = await api.call('DELETE', `/api/${'x'.repeat(300)}`);
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ error: { code: 'NOT_FOUND', message: `No route DELETE /api/${'x'.repeat(195)}; see /api/openapi.json.` } });
    const internal = await api.call('POST', '/api/listen', { port: 80 });
    expect(internal.status).toBe(500);
    expect(internal.body.error.code).toBe('INTERNAL');
    expect(internal.body.error.message).toContain('socket exploded');
    const refused = await api.call('POST', '/api/listen', { port: 80 });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: { code: 'SERVER_LISTEN', message: 'Port 80 is taken.' } });
  });

  it('include a body over the limit: 413 PAYLOAD_TOO_LARGE, whatever the route', async () => {
    const api = makeApiApp();
    const huge = await api.call('POST', '/api/jobs', undefined, { rawBody: JSON.stringify({ prompt: 'x'.repeat(MAX_BODY_BYTES) }), headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: `The body is over ${MAX_BODY_BYTES} bytes.` });
    expect(MAX_BODY_BYTES).toBe(8 * 1024 * 1024);
    // Just under it goes through to the route (which refuses the prompt for its own reason).
    const under = await api.call('POST', '/api/jobs', undefined, { rawBody: JSON.stringify({ prompt: 'x'.repeat(MAX_BODY_BYTES - 20) }), headers: { 'content-type': 'application/json' } });
    expect(under.status).toBe(400);
    expect(under.body.error.code).toBe('BAD_REQUEST');
  });
});

describe('the routes of the app itself', () => {
  it('mint login links of 10 minutes, each a one-time code', async () => {
    const api = makeApiApp();
    const before = Date.now();
    const minted = await api.call('POST', '/api/login-links', {});
    expect(minted.status).toBe(201);
    expect(minted.body.url).toMatch(/^\/login\/[0-9a-f]{64}$/);
    const ttl = Date.parse(minted.body.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 1000);
    const code = minted.body.url.slice('/login/'.length);
    expect(api.loginLinks.redeem(code)).toEqual({ isAccepted: true });
  });

  it('make the server listen on HTTP: the port asked, or any free one', async () => {
    const api = makeApiApp();
    expect((await api.call('POST', '/api/listen', { port: 8080 })).body).toEqual({ port: 8080 });
    expect((await api.call('POST', '/api/listen', {})).body).toEqual({ port: 5555 });
    expect(api.listened).toEqual([8080, 0]);
    const bad = await api.call('POST', '/api/listen', { port: 70_000 });
    expect(bad.status).toBe(400);
    expect(api.listened).toEqual([8080, 0]);
  });

  it('serve the OpenAPI document of every route, with the version', async () => {
    const api = makeApiApp();
    const { status, body } = await api.call('GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.info).toMatchObject({ title: 'jobline', version: '9.8.7' });
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/login-links', '/api/logout', '/api/event-tickets', '/api/listen', '/api/login', '/api/jobs', '/api/events', '/api/board']));
    expect(body.paths['/api/logout'].post.responses).toHaveProperty('204');
  });
});
