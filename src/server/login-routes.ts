// The way a browser logs in, the one part of the API open without a credential: a one-time link
// `/login/<code>` sends the browser to the dashboard's page with the code in the URL's fragment
// (which no request and no Referer carries on), and the page trades the code, once, for the
// folder's browser key (POST /api/login, JSON from its own origin: see request-guard.ts). The page
// keeps the key in its own origin's storage and sends it as a header; nothing sets a cookie.
import type { Hono } from 'hono';
import type { ApiDeps } from './api-deps.js';
import { loginSchema } from './api-schemas.js';
import { HttpError } from './http-errors.js';
import type { RouteTable } from './route-table.js';

/** Where a login link sends the browser: the page, which finds the code in `#login=`. */
export function loginLandingOf(code: string): string {
  return `/#login=${encodeURIComponent(code.slice(0, 200))}`;
}

/** Adds the login link's landing and the code's exchange to `app` (before its credential check). */
export function addLoginRoutes(app: Hono, routes: RouteTable, deps: ApiDeps): void {
  // Nothing is used up here: a link previewed by a chat app or prefetched still works once, in the page.
  app.get('/login/:code', (context) => context.redirect(loginLandingOf(context.req.param('code')), 303));
  routes.add({ method: 'post', path: '/api/login', summary: "Trade a one-time login link's code for the folder's browser key, once (the dashboard's page does; send the key as Authorization: Bearer). A refusal says why: used, expired, replaced by newer links, or not this server's.", body: loginSchema, responses: { 200: '{ key }', 401: 'LOGIN_LINK_REFUSED: { reason }' } }, ({ context, body }) => {
    const redemption = deps.loginLinks.redeem(body.code);
    if (!redemption.isAccepted) throw new HttpError('LOGIN_LINK_REFUSED', redemption.message, { reason: redemption.reason });
    context.header('cache-control', 'no-store');
    return context.json({ key: deps.browserAccess.currentKey() });
  });
}
