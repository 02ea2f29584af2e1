// The HTTP API as a Hono app: the request guard (Host, origin, JSON bodies: request-guard.ts), then
// the credential check on every request (the token, or the folder's browser key, each sent as
// `Authorization: Bearer`; a single-use ticket for the event stream), a body-size limit, the
// routes, the OpenAPI document, and one error shape. No cookie and no CORS headers: a page of
// another origin has no credential to send and can read nothing.
import { getSecretEnvNames } from '../config/schema.js';
import { scrubberOf } from '../text/secrets.js';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ApiDeps } from './api-deps.js';
import { isSameSecret } from './browser-access.js';
import { credentialOf, EventTickets, setCredential, type Credential } from './credentials.js';
import { describeHttpError, HttpError } from './http-errors.js';
import { addJobRoutes } from './job-routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { RouteTable } from './route-table.js';
import { addStreamRoutes } from './stream-routes.js';
import { emptySchema, listenSchema } from './api-schemas.js';
import { addWorkerRoutes } from './worker-routes.js';
import { addDashboardRoutes, serveDashboardAssets } from './dashboard-routes.js';
import { checkHost, guardRequest, isFromOrigin, isStateChanging } from './request-guard.js';
import { addLoginRoutes } from './login-routes.js';
import { SAFE_HEADERS } from './safe-headers.js';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';

/** Largest request body (bytes): a submission of 10,000 tasks fits. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;


/** Builds the API app on `deps`. */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const tickets = new EventTickets();
  app.use('*', async (context, next) => {
    await next();
    // A response the route wrote itself (the event stream) sent these already.
    // Stryker disable next-line ConditionalExpression: headers set on the marker response reach no client either way
    if (context.res === RESPONSE_ALREADY_SENT) return;
    for (const [name, value] of Object.entries(SAFE_HEADERS)) context.res.headers.set(name, value);
  });
  // Every answer's body passes the scrubber (a key in a file name, a prompt, an error): jobs held
  // in memory are not scrubbed as their files are. Streams scrub what they write (stream-routes.ts).
  const scrubber = scrubberOf(getSecretEnvNames(deps.config));
  app.use('*', async (context, next) => {
    await next();
    // Stryker disable next-line StringLiteral: an answer without a type is left alone whatever stands in for it
    const type = context.res.headers.get('content-type') ?? '';
    // Stryker disable next-line Regex: no type the server answers with holds these past its start
    if (scrubber.isEmpty || !/^(application\/json|text\/plain)/.test(type) || context.res.body === null || context.req.query('follow') === 'true') return;
    const text = await context.res.text();
    context.res = new Response(scrubber.scrub(text), { status: context.res.status, headers: context.res.headers });
  });
  app.use('*', guardRequest);
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new HttpError('PAYLOAD_TOO_LARGE', `The body is over ${MAX_BODY_BYTES} bytes.`); } }));
  const routes = new RouteTable(app);
  // The dashboard's page and scripts are public (no data in them), and so is the way in with a
  // one-time login link (routes added before the credential check); what the page asks for then is not.
  serveDashboardAssets(app);
  addLoginRoutes(app, routes, deps);
  app.use('*', async (context, next) => {
    const credential = authenticate(context, deps, tickets);
    if (!credential) throw new HttpError('UNAUTHORIZED', 'This request carries no valid token: send Authorization: Bearer <token> (the token is in the jobs folder, file server-token).');
    // The browser key is the dashboard page's: a change made with it must say it comes from there.
    if (credential.kind === 'browser' && isStateChanging(context.req.method) && !isFromOrigin(context, checkHost(context))) {
      throw new HttpError('CROSS_ORIGIN', 'Refused: a change made with the browser key must come from the dashboard\'s own page (Origin).');
    }
    setCredential(context, credential);
    await next();
  });
  routes.add({ method: 'post', path: '/api/login-links', summary: 'A one-time link that logs a browser in, for 10 minutes (at most 20 outstanding: the oldest unused one gives way; the link jobline serve printed at start never does).', body: emptySchema, responses: { 201: '{ url, expiresAt }' } }, ({ context }) => {
    const { code, expiresAtMs } = deps.loginLinks.mint();
    return context.json({ url: `/login/${code}`, expiresAt: new Date(expiresAtMs).toISOString() }, 201);
  });
  routes.add({ method: 'post', path: '/api/logout', summary: "Log every browser out: the folder's browser key is replaced, and the event streams opened with it close.", body: emptySchema, responses: { 204: 'done' } }, ({ context }) => {
    deps.browserAccess.revoke();
    return context.body(null, 204);
  });
  routes.add({ method: 'post', path: '/api/event-tickets', summary: 'A single-use ticket that opens the event stream within 30 s (GET /api/events?ticket=…): an EventSource cannot send the Authorization header.', body: emptySchema, responses: { 201: '{ ticket, expiresAt }' } }, ({ context }) => {
    const { ticket, expiresAtMs } = tickets.mint(credentialOf(context));
    return context.json({ ticket, expiresAt: new Date(expiresAtMs).toISOString() }, 201);
  });
  routes.add({ method: 'post', path: '/api/listen', summary: 'Listen on HTTP at 127.0.0.1 too, if the server does not yet (port: 0 or absent for any free one); answers the port (jobline ui uses it).', body: listenSchema, responses: { 200: '{ port }' } }, async ({ context, body }) => context.json({ port: await deps.listenHttp(body.port ?? 0) }));
  addJobRoutes(routes, deps);
  addWorkerRoutes(routes, deps);
  addStreamRoutes(routes, deps);
  addDashboardRoutes(routes, deps);
  const document = buildOpenApiDocument(routes.specs, deps.version);
  app.get('/api/openapi.json', (context) => context.json(document));
  app.notFound((context) => context.json({ error: { code: 'NOT_FOUND', message: `No route ${context.req.method} ${new URL(context.req.url).pathname.slice(0, 200)}; see /api/openapi.json.` } }, 404));
  app.onError((error, context) => {
    const { status, body } = describeHttpError(error);
    if (status === 401) context.header('www-authenticate', 'Bearer');
    return context.json(body, status as 400);
  });
  return app;
}

// The credential of a request: `Authorization: Bearer` with the token or the browser key; for the
// event stream, a ticket instead (single use; a browser's stands only while its key does). An old
// version's cookie is ignored.
function authenticate(context: Context, deps: ApiDeps, tickets: EventTickets): Credential | null {
  const header = context.req.header('authorization');
  const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  // Stryker disable next-line ObjectLiteral,StringLiteral: every check asks whether a credential is the browser's; the token's is told by not being it
  if (isSameSecret(bearer, deps.token)) return { kind: 'token' };
  if (bearer && deps.browserAccess.isCurrent(bearer)) return { kind: 'browser', key: bearer };
  const ticket = context.req.method === 'GET' && new URL(context.req.url).pathname === '/api/events' ? context.req.query('ticket') : undefined;
  if (!bearer && ticket) {
    const credential = tickets.redeem(ticket);
    if (credential?.kind === 'browser' && !deps.browserAccess.isCurrent(credential.key)) return null;
    return credential;
  }
  return null;
}
