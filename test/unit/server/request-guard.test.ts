// The checks every request passes first, in-process (see api-harness.ts): the Host must be the
// server's own (421 otherwise: no DNS rebinding), another site's page reads and changes nothing
// (403), nothing is framed, and a body that changes state is JSON (415).
import { describe, expect, it } from 'vitest';
import { isStateChanging } from '../../../src/server/request-guard.js';
import { ORIGIN, PORT, TOKEN, makeApiApp } from './api-harness.js';

describe('the Host', () => {
  it('is one of the server\'s own names with its port, in any case; any other gets 421 saying which names', async () => {
    const api = makeApiApp();
    for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `LOCALHOST:${PORT}`, `[::1]:${PORT}`]) {
      expect((await api.call('GET', `http://${host.toLowerCase()}/api/jobs`, undefined, { host })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${PORT}`, `127.0.0.1:${PORT + 1}`, '127.0.0.1', `127.0.0.1.nip.io:${PORT}`, '']) {
      const answer = await api.call('GET', '/api/jobs', undefined, { host });
      expect(answer.status, host).toBe(421);
      expect(answer.body.error).toEqual({
        code: 'MISDIRECTED_REQUEST',
        message: `This server answers to 127.0.0.1:${PORT}, localhost:${PORT}, [::1]:${PORT} only, not Host ${JSON.stringify(host || '(none)')}: a page that reached it under another name (DNS rebinding) gets nothing.`,
      });
    }
    // A long Host is cut in the message.
    const long = await api.call('GET', '/api/jobs', undefined, { host: `${'h'.repeat(300)}:${PORT}` });
    expect(long.body.error.message).toContain(`not Host "${'h'.repeat(100)}":`);
    // The page and a login link are guarded too: nothing is served under another name.
    expect((await api.call('GET', '/', undefined, { host: `evil.example:${PORT}`, token: null })).status).toBe(421);
    expect((await api.call('GET', '/login/abc', undefined, { host: `evil.example:${PORT}`, token: null })).status).toBe(421);
  });

  it('and the request target name the same server: an absolute target elsewhere is refused', async () => {
    const api = makeApiApp();
    expect((await api.call('GET', `http://evil.example:${PORT}/api/jobs`)).status).toBe(421);
    expect((await api.call('GET', `http://localhost:${PORT}/api/jobs`)).status).toBe(200);
  });

  it('on port 80 may leave the port out', async () => {
    const api = makeApiApp();
    const at80 = (host: string, target: string) => api.app.request(`http://${target}/api/jobs`, { headers: { authorization: `Bearer ${'t'.repeat(64)}` } }, { incoming: { headers: { host }, socket: { localPort: 80 } } });
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.0.0.1:80']) expect((await at80(host, host)).status, host).toBe(200);
    const refused = await at80('evil.example', 'evil.example');
    expect(refused.status).toBe(421);
    // The message names the three names with the port.
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('This server answers to 127.0.0.1:80, localhost:80, [::1]:80 only, not Host "evil.example": a page that reached it under another name (DNS rebinding) gets nothing.');
  });

  it('missing altogether is refused as none', async () => {
    const api = makeApiApp();
    const answer = await api.call('GET', '/api/jobs', undefined, { env: { incoming: { headers: {}, socket: { localPort: PORT } } } });
    expect(answer.status).toBe(421);
    expect(answer.body.error.message).toContain('not Host "(none)":');
  });

  it('over the Unix socket is the origin a change must come from: the Host named, or localhost when none is', async () => {
    const api = makeApiApp();
    const noHost = { env: { incoming: { headers: {}, socket: { localPort: undefined } } } };
    expect((await api.call('POST', '/api/login-links', {}, { ...noHost, headers: { origin: 'http://localhost' } })).status).toBe(201);
    const other = await api.call('POST', '/api/login-links', {}, { ...noHost, headers: { origin: 'http://evil.example' } });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe('Refused: this request comes from "http://evil.example", not from the dashboard (http://localhost). Only the dashboard\'s own page, or a script with the token, may change anything.');
    expect((await api.call('POST', '/api/login-links', {}, { host: 'jobline.sock', socket: true, headers: { origin: 'http://jobline.sock' } })).status).toBe(201);
    const named = await api.call('POST', '/api/login-links', {}, { host: 'jobline.sock', socket: true, headers: { origin: 'http://localhost' } });
    expect(named.body.error.message).toContain('not from the dashboard (http://jobline.sock)');
  });

  it('is anything over the Unix socket, and a request that came through no listener is refused', async () => {
    const api = makeApiApp();
    for (const host of ['localhost', 'x', 'evil.example', '']) expect((await api.call('GET', '/api/jobs', undefined, { host, socket: true })).status, host).toBe(200);
    const nowhere = await api.call('GET', '/api/jobs', undefined, { noListener: true });
    expect(nowhere.status).toBe(421);
    expect(nowhere.body.error).toEqual({ code: 'MISDIRECTED_REQUEST', message: "This request did not come through one of the server's listeners." });
    // Asked with no environment at all (not even an empty one): the same refusal.
    const bare = await api.app.request(`${ORIGIN}/api/jobs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([bare.status, ((await bare.json()) as { error: { code: string } }).error.code]).toEqual([421, 'MISDIRECTED_REQUEST']);
  });
});

describe('a request from another site', () => {
  it('is refused on the API whatever its method, and for a change anywhere; a navigation to the page goes', async () => {
    const api = makeApiApp();
    for (const site of ['same-site', 'cross-site']) {
      const read = await api.call('GET', '/api/board', undefined, { headers: { 'sec-fetch-site': site } });
      expect(read.status, site).toBe(403);
      expect(read.body.error).toEqual({ code: 'CROSS_ORIGIN', message: `Refused: this request comes from a page of another origin (Sec-Fetch-Site: ${site}). Only the dashboard's own page, or a script with the token, may use the API.` });
      expect((await api.call('POST', '/login/abc', {}, { token: null, headers: { 'sec-fetch-site': site } })).status, site).toBe(403);
      // A link from another site to the page or to a login link is a navigation: it goes.
      expect((await api.call('GET', '/login/abc', undefined, { token: null, headers: { 'sec-fetch-site': site } })).status, site).toBe(303);
    }
    for (const site of ['same-origin', 'none']) expect((await api.call('GET', '/api/board', undefined, { headers: { 'sec-fetch-site': site } })).status, site).toBe(200);
    const long = await api.call('GET', '/api/board', undefined, { headers: { 'sec-fetch-site': `cross-site${'x'.repeat(50)}` } });
    expect(long.body.error.message).toContain('(Sec-Fetch-Site: cross-sitexxxxxxxxxx)');
  });

  it('may not frame or embed anything of the server', async () => {
    const api = makeApiApp();
    for (const dest of ['iframe', 'frame', 'embed', 'object']) {
      const answer = await api.call('GET', '/', undefined, { token: null, headers: { 'sec-fetch-dest': dest } });
      expect(answer.status, dest).toBe(403);
      expect(answer.body.error).toEqual({ code: 'CROSS_ORIGIN', message: 'Refused: the dashboard is not shown inside another page.' });
    }
    expect((await api.call('GET', '/api/board', undefined, { headers: { 'sec-fetch-dest': 'empty' } })).status).toBe(200);
  });

  it('changes nothing from an Origin other than the server\'s own, even with the token; reads and scripts without Origin go', async () => {
    const api = makeApiApp();
    for (const origin of [`http://127.0.0.1:${PORT + 1}`, 'null', 'http://evil.example', `https://127.0.0.1:${PORT}`]) {
      const answer = await api.call('POST', '/api/login-links', {}, { headers: { origin } });
      expect(answer.status, origin).toBe(403);
      expect(answer.body.error).toEqual({ code: 'CROSS_ORIGIN', message: `Refused: this request comes from ${JSON.stringify(origin)}, not from the dashboard (${ORIGIN}). Only the dashboard's own page, or a script with the token, may change anything.` });
    }
    expect((await api.call('POST', '/api/login-links', {}, { headers: { origin: 'http://' + 'e'.repeat(200) } })).body.error.message).toContain(`"http://${'e'.repeat(93)}"`);
    expect((await api.call('POST', '/api/login-links', {}, { headers: { origin: ORIGIN.toUpperCase().replace('HTTP', 'http') } })).status).toBe(201);
    expect((await api.call('POST', '/api/login-links', {}, { headers: { origin: ORIGIN } })).status).toBe(201);
    expect((await api.call('POST', '/api/login-links', {})).status).toBe(201);
    expect((await api.call('GET', '/api/board', undefined, { headers: { origin: 'http://evil.example' } })).status).toBe(200);
  });
});

describe('a body', () => {
  it('that changes state must be JSON: anything else, or no type, gets 415 saying what came', async () => {
    const api = makeApiApp();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-seq']) {
      const answer = await api.call('POST', '/api/jobs', undefined, { rawBody: '{"prompt":"x"}', headers: { 'content-type': type } });
      expect(answer.status, type).toBe(415);
      expect(answer.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `The body must be JSON, sent with Content-Type: application/json, not ${JSON.stringify(type)}.` });
    }
    const long = await api.call('POST', '/api/jobs', undefined, { rawBody: '{"prompt":"x"}', headers: { 'content-type': `text/${'x'.repeat(200)}` } });
    expect(long.body.error.message).toBe(`The body must be JSON, sent with Content-Type: application/json, not ${JSON.stringify(`text/${'x'.repeat(95)}`)}.`);
    const untyped = await api.call('POST', '/api/jobs', undefined, { rawBody: '{"prompt":"x"}' });
    expect(untyped.status).toBe(415);
    expect(untyped.body.error.message).toBe('The body must be JSON, sent with Content-Type: application/json (the request names no Content-Type).');
    for (const type of ['application/json', 'Application/JSON; charset=utf-8', ' application/json ;x=y']) {
      expect((await api.call('POST', '/api/jobs', undefined, { rawBody: '{"agent":"two"}', headers: { 'content-type': type } })).status, type).toBe(201);
    }
  });

  it('counts by its length or its chunks: an empty one needs no type', async () => {
    const api = makeApiApp();
    expect((await api.call('POST', '/api/login-links', undefined, { headers: { 'content-length': '0' } })).status).toBe(201);
    expect((await api.call('POST', '/api/login-links', undefined, { headers: { 'content-length': ' 0 ' } })).status).toBe(201);
    expect((await api.call('POST', '/api/login-links')).status).toBe(201);
    expect((await api.call('POST', '/api/login-links', undefined, { headers: { 'content-length': '2' } })).status).toBe(415);
    expect((await api.call('POST', '/api/login-links', undefined, { headers: { 'transfer-encoding': 'chunked' } })).status).toBe(415);
  });
});

describe('isStateChanging', () => {
  it('is false for GET, HEAD and OPTIONS in any case, true for every other method', () => {
    for (const method of ['GET', 'get', 'HEAD', 'head', 'OPTIONS', 'options']) expect(isStateChanging(method), method).toBe(false);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'post']) expect(isStateChanging(method), method).toBe(true);
  });
});
