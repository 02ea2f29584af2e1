// The HTTP API as a Hono app: the token check on every request (a bearer header, or the cookie a
// browser gets from a one-time login link), a body-size limit, the routes, the OpenAPI document,
// and one error shape. No CORS headers: a page of another origin cannot read anything from it,
// and the cookie is SameSite=Strict, so another site cannot send it either.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { ApiDeps } from './api-deps.js';
import { describeHttpError, HttpError } from './http-errors.js';
import { addJobRoutes } from './job-routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { RouteTable } from './route-table.js';
import { addStreamRoutes } from './stream-routes.js';
import { emptySchema, listenSchema } from './api-schemas.js';
import { addWorkerRoutes } from './worker-routes.js';
import { addDashboardRoutes, serveDashboardAssets } from './dashboard-routes.js';

/** Largest request body (bytes): a submission of 10,000 tasks fits. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The name of the cookie a browser logged in to the server on `jobsDir` holds (set by a one-time login link). */
export function cookieNameOf(jobsDir: string): string {
  return `jobline_${createHash('sha256').update(jobsDir).digest('hex').slice(0, 12)}`;
}

/** Where a login link lands once it has set the cookie. */
export const LOGIN_LANDING = '/';

/** Builds the API app on `deps`. */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const isEqual = (presented: string | undefined, expected: Buffer): boolean => {
    if (!presented) return false;
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const token = Buffer.from(deps.token);
  const browserKey = Buffer.from(deps.browserKey);
  // The dashboard's page and scripts are public (no data in them); what they ask for is not.
  serveDashboardAssets(app);
  // A one-time link (see LoginLinks) is the one way in without the token: it sets the cookie.
  app.get('/login/:code', (context) => {
    if (!deps.loginLinks.redeem(context.req.param('code'))) {
      throw new HttpError('UNAUTHORIZED', 'This login link was used already, ran out, or is not one of this server\'s: ask for a new one (jobline serve prints one at start).');
    }
    setCookie(context, deps.cookieName, deps.browserKey, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 400 * 86_400 });
    return context.redirect(LOGIN_LANDING, 303);
  });
  app.use('*', async (context, next) => {
    const header = context.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!isEqual(bearer, token) && !isEqual(getCookie(context, deps.cookieName), browserKey)) {
      throw new HttpError('UNAUTHORIZED', 'This request carries no valid token: send Authorization: Bearer <token> (the token is in the jobs folder, file server-token).');
    }
    await next();
  });
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new HttpError('PAYLOAD_TOO_LARGE', `The body is over ${MAX_BODY_BYTES} bytes.`); } }));
  const routes = new RouteTable(app);
  routes.add({ method: 'post', path: '/api/login-links', summary: 'A one-time link that logs a browser in (sets the token cookie), for 10 minutes.', body: emptySchema, responses: { 201: '{ url, expiresAt }' } }, ({ context }) => {
    const { code, expiresAtMs } = deps.loginLinks.mint();
    return context.json({ url: `/login/${code}`, expiresAt: new Date(expiresAtMs).toISOString() }, 201);
  });
  routes.add({ method: 'post', path: '/api/listen', summary: 'Listen on HTTP at 127.0.0.1 too, if the server does not yet (port: 0 or absent for any free one); answers the port (jobline ui uses it).', body: listenSchema, responses: { 200: '{ port }' } }, async ({ context, body }) => context.json({ port: await deps.listenHttp(body.port ?? 0) }));
  addJobRoutes(routes, deps);
  addWorkerRoutes(routes, deps);
  addStreamRoutes(routes, deps);
  addDashboardRoutes(routes, deps);
  const document = buildOpenApiDocument(routes.specs, deps.version);
  app.get('/api/openapi.json', (context) => context.json(document));
  app.notFound((context) => context.json({ error: { code: 'NOT_FOUND', message: `No route ${context.req.method} ${new URL(context.req.url).pathname}; see /api/openapi.json.` } }, 404));
  app.onError((error, context) => {
    const { status, body } = describeHttpError(error);
    if (status === 401) context.header('www-authenticate', 'Bearer');
    return context.json(body, status as 400);
  });
  return app;
}
