// Who may use a real `jobline serve`, over HTTP on 127.0.0.1 and its socket: a browser logs in by
// trading a one-time link's code for the folder's browser key (no cookie), opens its event stream
// with single-use tickets, and is out when it logs out or the key file goes; only the server's
// own Host names are answered; a change from another origin, or with a body that is not JSON, is
// refused even with the token. (The same attacks from real pages: test/browser/hostile-pages.)
import { request } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const base = () => `http://127.0.0.1:${server.port}`;

// A request with headers fetch will not set (Host), to the HTTP port or (socketPath) the socket.
function rawRequest(options: { method?: string; path: string; headers: Record<string, string>; body?: string; socketPath?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: server.port, socketPath: options.socketPath, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

// Mints a login link with the token and trades its code as the dashboard's page does; the key.
async function logIn(): Promise<string> {
  const { body } = await server.api('POST', '/api/login-links', {});
  const code = /^\/login\/([0-9a-f]{64})$/.exec(body.url)![1]!;
  const traded = await server.api('POST', '/api/login', { code }, { token: null });
  expect(traded.status).toBe(200);
  return traded.body.key;
}

// A ticket for the event stream, asked for as the dashboard's page does (from its own origin).
async function ticketFor(key: string): Promise<{ ticket: string }> {
  return (await server.api('POST', '/api/event-tickets', {}, { token: key, headers: { origin: base() } })).body;
}

// Opens the event stream (`query`, `headers`); resolves with the response once its headers are in.
async function openEvents(query: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base()}/api/events${query}`, { headers });
}

describe('logging a browser in', () => {
  it('sends the page the code in the URL fragment, sets no cookie, and trades the code once for the browser key', async () => {
    const { body } = await server.api('POST', '/api/login-links', {});
    const opened = await fetch(`${base()}${body.url}`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/#login=${body.url.slice('/login/'.length)}`);
    expect(opened.headers.get('set-cookie')).toBeNull();
    const code = body.url.slice('/login/'.length);
    const traded = await server.api('POST', '/api/login', { code }, { token: null });
    expect(traded.status).toBe(200);
    expect(traded.headers.get('set-cookie')).toBeNull();
    expect(traded.body.key).toBe(readFileSync(join(server.jobsDir, 'browser-key'), 'utf8').trim());
    expect((await server.api('GET', '/api/board', undefined, { token: traded.body.key })).status).toBe(200);
    const again = await server.api('POST', '/api/login', { code }, { token: null });
    expect(again.status).toBe(401);
    expect(again.body.error).toMatchObject({ code: 'LOGIN_LINK_REFUSED', reason: 'used', message: expect.stringContaining('used already') });
    const stranger = await server.api('POST', '/api/login', { code: '0'.repeat(64) }, { token: null });
    expect(stranger.body.error).toMatchObject({ reason: 'unknown', message: expect.stringContaining("not one of this server's") });
    expect((await server.api('POST', '/api/login-links', {}, { token: null })).status).toBe(401);
  });

  it('keeps the link printed at start working however many links are minted; past 20 minted, the oldest unused one says it was replaced', async () => {
    const minted: string[] = [];
    for (let i = 0; i < 25; i++) minted.push((await server.api('POST', '/api/login-links', {})).body.url.slice('/login/'.length));
    const oldest = await server.api('POST', '/api/login', { code: minted[0] }, { token: null });
    expect(oldest.body.error).toMatchObject({ code: 'LOGIN_LINK_REFUSED', reason: 'replaced', message: expect.stringContaining('replaced by newer ones') });
    expect((await server.api('POST', '/api/login', { code: minted[5] }, { token: null })).status).toBe(200);
    const printed = /\/login\/([0-9a-f]{64})/.exec(server.output())![1]!;
    expect((await server.api('POST', '/api/login', { code: printed }, { token: null })).status).toBe(200);
  });
});

describe('the event stream of a browser', () => {
  it('opens with a single-use ticket, resumes after lastEventId, and still takes the bearer token for scripts', async () => {
    const key = await logIn();
    const { ticket } = (await ticketFor(key));
    expect(ticket).toMatch(/^[0-9a-f]{64}$/);
    const stream = await openEvents(`?ticket=${ticket}`);
    expect(stream.status).toBe(200);
    await stream.body!.cancel();
    expect((await openEvents(`?ticket=${ticket}`)).status).toBe(401);
    const scripted = await openEvents('', { authorization: `Bearer ${server.token}` });
    expect(scripted.status).toBe(200);
    await scripted.body!.cancel();
    // A page that reopens its stream names the last event it saw: what came after it is replayed.
    const { id } = (await server.api('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }] })).body.job;
    await server.api('POST', `/api/jobs/${id}/close`, { status: 'completed' });
    const resumed = await openEvents(`?job=${id}&lastEventId=${id}:0&ticket=${(await ticketFor(key)).ticket}`);
    const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"completed"')) text += (await reader.read()).value ?? '';
    expect(text).toContain(`id: ${id}:1`);
    await reader.cancel();
  });
});

describe('logging out', () => {
  it('ends every browser\'s access, closes the streams they opened, and leaves the token working', async () => {
    const key = await logIn();
    const stream = await openEvents(`?ticket=${(await ticketFor(key)).ticket}`);
    const ended = stream.text();
    const out = await fetch(`${base()}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${key}`, origin: base(), 'content-type': 'application/json' }, body: '{}' });
    expect(out.status).toBe(204);
    await ended; // the server closed it
    expect((await server.api('GET', '/api/board', undefined, { token: key })).status).toBe(401);
    expect((await server.api('GET', '/api/board')).status).toBe(200);
    const next = await logIn();
    expect(next).not.toBe(key);
  });

  it('happens to every browser when the key file is deleted, even while the server runs', async () => {
    const key = await logIn();
    const stream = await openEvents(`?ticket=${(await ticketFor(key)).ticket}`);
    const ended = stream.text();
    rmSync(join(server.jobsDir, 'browser-key'));
    expect((await server.api('GET', '/api/board', undefined, { token: key })).status).toBe(401);
    await ended;
    // The server made a new key: the next login works, with it.
    expect(await logIn()).toBe(readFileSync(join(server.jobsDir, 'browser-key'), 'utf8').trim());
  });
});

describe('the Host header', () => {
  it('must be the server\'s own address: any other name gets 421 (no DNS rebinding); over the socket any Host goes', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
      expect((await rawRequest({ path: '/api/jobs', headers: { ...auth, host } })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `127.0.0.1.nip.io:${server.port}`]) {
      const answer = await rawRequest({ path: '/api/jobs', headers: { ...auth, host } });
      expect(answer.status, host).toBe(421);
      expect(JSON.parse(answer.text).error.code).toBe('MISDIRECTED_REQUEST');
    }
    // The page itself and a login link are refused under another name too.
    expect((await rawRequest({ path: '/', headers: { host: `evil.example:${server.port}` } })).status).toBe(421);
    const socketPath = join(server.jobsDir, 'jobline.sock');
    for (const host of ['localhost', 'x', 'evil.example']) expect((await rawRequest({ socketPath, path: '/api/jobs', headers: { ...auth, host } })).status, host).toBe(200);
  });
});

describe('a change from another origin', () => {
  it('is refused with 403 even with the token; one without Origin (a script) goes; a body that is not JSON gets 415', async () => {
    const post = (headers: Record<string, string>, body = '{"agent":"sh","prompt":"true"}') => fetch(`${base()}/api/jobs`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, ...headers }, body });
    const json = { 'content-type': 'application/json' };
    for (const origin of [`http://127.0.0.1:${server.port + 1}`, `http://localhost:${server.port}`, 'null', 'http://evil.example']) {
      const answer = await post({ ...json, origin });
      expect(answer.status, origin).toBe(403);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('CROSS_ORIGIN');
    }
    for (const site of ['same-site', 'cross-site']) expect((await post({ ...json, 'sec-fetch-site': site })).status, site).toBe(403);
    expect((await post({ ...json, origin: base(), 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await post(json)).status).toBe(201);
    // A body without a Content-Type (a Blob a page sent with no-cors) is not taken for JSON.
    const untyped = await fetch(`${base()}/api/jobs`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: new Blob(['{"agent":"sh","prompt":"true"}']) });
    expect(untyped.status).toBe(415);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-seq']) {
      expect((await post({ 'content-type': type })).status, type).toBe(415);
    }
    // A read from another site's page is refused too (it carries no credential anyway).
    expect((await fetch(`${base()}/api/board`, { headers: { authorization: `Bearer ${server.token}`, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
  });

  it('is refused for the browser key unless it says it comes from the dashboard\'s own page', async () => {
    const key = await logIn();
    const cancel = (headers: Record<string, string>) => fetch(`${base()}/api/login-links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await cancel({})).status).toBe(403);
    expect((await cancel({ origin: base() })).status).toBe(201);
    expect((await cancel({ 'sec-fetch-site': 'same-origin' })).status).toBe(201);
  });

  it('gets answers that no other origin may load, frame or sniff', async () => {
    for (const path of ['/', '/assets/app.js', '/api/board']) {
      const answer = await fetch(`${base()}${path}`);
      expect(answer.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(answer.headers.get('x-frame-options'), path).toBe('DENY');
      expect(answer.headers.get('access-control-allow-origin'), path).toBeNull();
    }
    expect((await fetch(`${base()}/`, { headers: { 'sec-fetch-dest': 'iframe', 'sec-fetch-site': 'same-site' } })).status).toBe(403);
  });
});

describe('a key file replaced behind the server\'s back', () => {
  it('cuts the streams opened with the old key within about a second, with no request to notice it', async () => {
    const key = await logIn();
    const stream = await openEvents(`?ticket=${(await ticketFor(key)).ticket}`);
    let isEnded = false;
    const ended = stream.text().then(() => (isEnded = true));
    writeFileSync(join(server.jobsDir, 'browser-key'), `${'a'.repeat(64)}\n`);
    await waitFor(() => isEnded, 'the stream to end', 5000);
    await ended;
    expect((await server.api('GET', '/api/board', undefined, { token: key })).status).toBe(401);
  });
});
