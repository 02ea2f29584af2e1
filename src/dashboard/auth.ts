// The page's credential: the folder's browser key, kept in this origin's localStorage (scheme, host
// and port: no other server on the machine can read it, unlike a cookie, which every port of
// 127.0.0.1 shares) and sent as `Authorization: Bearer` on every call. A one-time login link
// lands here as `#login=<code>`: the page trades the code for the key once, and takes the code
// out of the address bar at once.

/** Where the key is kept in this origin's storage. */
const STORAGE_KEY = 'jobline.browser-key';

/** The key this page holds, or null when it is not logged in (or storage is unavailable). */
export function readKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeKey(key: string | null): void {
  try {
    if (key === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage refused (a private window's quota): the page stays logged out.
  }
}

/** The headers every call sends: the key, when the page holds one. */
export function authHeaders(): Record<string, string> {
  const key = readKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Completes a login when the page was opened from a one-time link (`#login=<code>`): removes the
 * code from the address bar and the history entry, trades it for the browser key (POST
 * /api/login) and keeps the key. Resolves with null when there was nothing to do or it worked,
 * else with the server's reason (used already, expired, replaced, not this server's).
 */
export async function completeLogin(): Promise<string | null> {
  const match = /^#login=([^&]*)$/.exec(location.hash);
  if (!match) return null;
  const code = decodeURIComponent(match[1]!);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  try {
    const response = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }), credentials: 'omit' });
    const answer = (await response.json()) as { key?: string; error?: { message: string } };
    if (!response.ok || !answer.key) return answer.error?.message ?? `The server refused the login (${response.status}).`;
    storeKey(answer.key);
    return null;
  } catch {
    return 'The jobline server does not answer. Is jobline serve still running?';
  }
}

/**
 * Logs out: asks the server to replace the folder's browser key (which logs every browser out,
 * and closes their event streams), and forgets the key here even when the server cannot be told.
 */
export async function logOut(): Promise<void> {
  const headers = authHeaders();
  storeKey(null);
  try {
    await fetch('/api/logout', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}', credentials: 'omit' });
  } catch {
    // Unreachable: the key is gone from this page anyway; the next login replaces nothing.
  }
}
