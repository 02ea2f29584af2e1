// Who may use the server from a browser: the folder's browser key (its file read at every check,
// so a log out or the file deleted ends access at once), the streams opened with it (closed when
// it goes), single-use event-stream tickets, and the login link's way in.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { BrowserAccess, isSameSecret, KEY_CHECK_MS } from '../../../src/server/browser-access.js';
import { credentialOf, EVENT_TICKET_TTL_MS, EventTickets } from '../../../src/server/credentials.js';
import { loginLandingOf } from '../../../src/server/login-routes.js';
import { openBrowserKeyFile } from '../../../src/store/browser-key-file.js';
import { makeTempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';
import { makeApiApp } from './api-harness.js';

describe('isSameSecret', () => {
  it('is true only for the same secret: none, another, or one of another length is false', () => {
    expect(isSameSecret('abc', 'abc')).toBe(true);
    expect(isSameSecret('abd', 'abc')).toBe(false);
    expect(isSameSecret('abcd', 'abc')).toBe(false);
    expect(isSameSecret('ab', 'abc')).toBe(false);
    expect(isSameSecret(undefined, 'abc')).toBe(false);
    expect(isSameSecret('', '')).toBe(false);
  });
});

describe('the browser key file', () => {
  it('holds 64 hex digits, mode 0600; anything else in it, or no file, is no key', () => {
    const dir = makeTempDir();
    const file = openBrowserKeyFile(dir);
    expect(file.path).toBe(join(dir, 'browser-key'));
    expect(file.read()).toBeNull();
    const key = file.rotate();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file.path, 'utf8')).toBe(`${key}\n`);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(file.read()).toBe(key);
    expect(file.rotate()).not.toBe(key);
    for (const text of ['A'.repeat(64), 'a'.repeat(63), `x${'a'.repeat(64)}`, `${'a'.repeat(64)}x`, '']) {
      writeFileSync(file.path, text);
      expect(file.read(), text).toBeNull();
    }
    writeFileSync(file.path, `  ${'a'.repeat(64)}\n\n`);
    expect(file.read()).toBe('a'.repeat(64));
  });
});

describe('BrowserAccess', () => {
  it('lets in the key on file now: a missing file makes a new key (nobody is let in with an old one)', () => {
    const dir = makeTempDir();
    const file = openBrowserKeyFile(dir);
    const access = new BrowserAccess(file);
    const key = access.currentKey();
    expect(file.read()).toBe(key);
    expect(access.currentKey()).toBe(key);
    expect(access.isCurrent(key)).toBe(true);
    expect(access.isCurrent(key.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(false);
    expect(access.isCurrent(undefined)).toBe(false);
    rmSync(file.path);
    expect(access.isCurrent(key)).toBe(false);
    const next = file.read();
    expect(next).toMatch(/^[0-9a-f]{64}$/);
    expect(next).not.toBe(key);
    expect(access.currentKey()).toBe(next);
  });

  it('never throws when the key cannot be written: nobody is let in, and a login says why', () => {
    const dir = makeTempDir();
    // A folder where the key file should be: it can be neither read nor replaced.
    mkdirSync(join(dir, 'browser-key'));
    const access = new BrowserAccess(openBrowserKeyFile(dir));
    expect(access.isCurrent('a'.repeat(64))).toBe(false);
    expect(() => access.currentKey()).toThrow();
  });

  it('closes each stream opened with a key once that key goes: at a log out at once, when the file changes within a check', async () => {
    const dir = makeTempDir();
    const file = openBrowserKeyFile(dir);
    const access = new BrowserAccess(file, 5);
    const key = access.currentKey();
    const closed: string[] = [];
    access.watch(key, () => closed.push('a'));
    const stopB = access.watch(key, () => closed.push('b'));
    stopB();
    access.revoke();
    expect(closed).toEqual(['a']);
    expect(access.isCurrent(key)).toBe(false);
    // Opened with the new key: closed when the file is replaced behind the server's back, once.
    const second = access.currentKey();
    access.watch(second, () => closed.push('c'));
    const kept = access.watch(second, () => closed.push('never'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toEqual(['a']);
    kept();
    writeFileSync(file.path, `${'b'.repeat(64)}\n`);
    await waitFor(() => closed.includes('c'), 'the stream of the replaced key to close', 2000, 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toEqual(['a', 'c']);
    // A deleted file closes them too.
    access.watch('b'.repeat(64), () => closed.push('d'));
    rmSync(file.path);
    await waitFor(() => closed.includes('d'), 'the stream to close when the file goes', 2000, 2);
    expect(KEY_CHECK_MS).toBe(1000);
  });
});

describe('the key check of open streams', () => {
  it('reads the key file only while a stream is open: none after the last one stops, or is closed by a log out', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const real = openBrowserKeyFile(makeTempDir());
      let reads = 0;
      const file = { path: real.path, read: () => (reads++, real.read()), rotate: () => real.rotate() };
      const access = new BrowserAccess(file, 5);
      const key = access.currentKey();
      const readsWhileIdle = (): number => {
        const before = reads;
        vi.advanceTimersByTime(50);
        return reads - before;
      };
      const stopA = access.watch(key, () => undefined);
      const stopB = access.watch(key, () => undefined);
      expect(readsWhileIdle()).toBe(10);
      stopA();
      expect(readsWhileIdle()).toBe(10);
      stopB();
      expect(readsWhileIdle()).toBe(0);
      // Checking again once a stream opens; a log out closes it, and the checks stop with it.
      const closed: string[] = [];
      access.watch(key, () => closed.push('c'));
      expect(readsWhileIdle()).toBe(10);
      access.revoke();
      expect(closed).toEqual(['c']);
      expect(readsWhileIdle()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the credential of a request', () => {
  it('is the token when the credential check recorded none', async () => {
    const app = new Hono();
    app.get('/', (context) => context.json(credentialOf(context)));
    expect(await (await app.request('/')).json()).toEqual({ kind: 'token' });
  });
});

describe('event-stream tickets', () => {
  it('stand once for the credential that asked, within 30 s', () => {
    let now = 1_000_000;
    const tickets = new EventTickets(() => now);
    const minted = tickets.mint({ kind: 'browser', key: 'k' });
    expect(minted.ticket).toMatch(/^[0-9a-f]{64}$/);
    expect(minted.expiresAtMs).toBe(now + EVENT_TICKET_TTL_MS);
    expect(EVENT_TICKET_TTL_MS).toBe(30_000);
    expect(tickets.redeem(minted.ticket)).toEqual({ kind: 'browser', key: 'k' });
    expect(tickets.redeem(minted.ticket)).toBeNull();
    expect(tickets.redeem('nope')).toBeNull();
    const late = tickets.mint({ kind: 'token' });
    now += EVENT_TICKET_TTL_MS - 1;
    const last = tickets.mint({ kind: 'token' });
    expect(tickets.redeem(late.ticket)).toEqual({ kind: 'token' });
    now += 1;
    const expired = tickets.mint({ kind: 'token' });
    now += EVENT_TICKET_TTL_MS;
    expect(tickets.redeem(expired.ticket)).toBeNull();
    expect(tickets.redeem(last.ticket)).toBeNull();
  });

  it('are at most 100 outstanding: the oldest is forgotten first', () => {
    const tickets = new EventTickets();
    const minted = Array.from({ length: 101 }, () => tickets.mint({ kind: 'token' }).ticket);
    expect(tickets.redeem(minted[0]!)).toBeNull();
    expect(tickets.redeem(minted[1]!)).toEqual({ kind: 'token' });
    expect(tickets.redeem(minted[100]!)).toEqual({ kind: 'token' });
  });
});

describe('a login link', () => {
  it('sends the browser to the page with its code in the fragment (encoded, cut), using nothing up', async () => {
    expect(loginLandingOf('abc')).toBe('/#login=abc');
    expect(loginLandingOf('a b&c')).toBe('/#login=a%20b%26c');
    expect(loginLandingOf('x'.repeat(300))).toBe(`/#login=${'x'.repeat(200)}`);
    const api = makeApiApp();
    const { code } = api.loginLinks.mint();
    const opened = await api.call('GET', `/login/${code}`, undefined, { token: null });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/#login=${code}`);
    expect(opened.headers.get('set-cookie')).toBeNull();
    // Opening the link twice (a chat app's preview) still leaves the code to trade once.
    await api.call('GET', `/login/${code}`, undefined, { token: null });
    const traded = await api.call('POST', '/api/login', { code }, { token: null });
    expect(traded.status).toBe(200);
    expect(traded.headers.get('cache-control')).toBe('no-store');
    expect(traded.body).toEqual({ key: api.browserAccess.currentKey() });
  });

  it('is traded once; a code used, or not this server\'s, is 401 LOGIN_LINK_REFUSED saying why', async () => {
    const api = makeApiApp();
    const { code } = api.loginLinks.mint();
    await api.call('POST', '/api/login', { code }, { token: null });
    const again = await api.call('POST', '/api/login', { code }, { token: null });
    expect(again.status).toBe(401);
    expect(again.body.error).toEqual({ code: 'LOGIN_LINK_REFUSED', reason: 'used', message: expect.stringContaining('used already') });
    expect(again.headers.get('cache-control')).toBeNull();
    const stranger = await api.call('POST', '/api/login', { code: '0'.repeat(64) }, { token: null });
    expect(stranger.body.error).toMatchObject({ code: 'LOGIN_LINK_REFUSED', reason: 'unknown' });
    expect((await api.call('POST', '/api/login', { code: '' }, { token: null })).status).toBe(400);
  });
});
