// The checks every request passes before anything else, so that no web page on this machine can
// drive the server: its Host must be the server's own address (no DNS rebinding), and a request
// that changes state must come from the dashboard's own origin or from a script (no Origin at
// all), with a JSON body (so that a page of another origin would need a CORS preflight, which the
// server never grants). Browsers' fetch metadata (Sec-Fetch-*) refuses what another site sends.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from './http-errors.js';

/** Methods that only read; every other one changes state. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a frame or an embed may load: nothing of the server (the page itself refuses to be framed too). */
const FRAMED_DESTINATIONS: ReadonlySet<string> = new Set(['iframe', 'frame', 'embed', 'object']);

/** True for a method that may change state (every method but GET, HEAD and OPTIONS). */
export function isStateChanging(method: string): boolean {
  return !READ_METHODS.has(method.toUpperCase());
}

/**
 * The origin the request addressed (`http://<Host>`, lowercase), once its Host is one of the
 * server's own names: 127.0.0.1, localhost or [::1] with the port the request came in on; over
 * the Unix socket any Host (only this user can connect to it).
 * @throws HttpError MISDIRECTED_REQUEST (421) for another Host, or a request that came in no
 *   listener of the server's.
 */
export function checkHost(context: Context): string {
  const incoming = (context.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const host = (incoming?.headers.host ?? '').toLowerCase();
  if (!incoming) throw new HttpError('MISDIRECTED_REQUEST', 'This request did not come through one of the server\'s listeners.');
  const port = incoming.socket.localPort;
  // A Unix socket has no port: whoever can connect to it is this user (mode 0600).
  if (port === undefined) return `http://${host || 'localhost'}`;
  const names = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...(port === 80 ? ['127.0.0.1', 'localhost', '[::1]'] : [])];
  // An absolute request target (`GET http://other/ HTTP/1.1`) names its host too: both must be ours.
  const target = new URL(context.req.url).host.toLowerCase();
  if (!names.includes(host) || !names.includes(target)) {
    const shown = JSON.stringify((host || '(none)').slice(0, 100));
    throw new HttpError('MISDIRECTED_REQUEST', `This server answers to ${names.slice(0, 3).join(', ')} only, not Host ${shown}: a page that reached it under another name (DNS rebinding) gets nothing.`);
  }
  return `http://${host}`;
}

/** True when the request says it comes from `origin` itself: its Origin header, or Sec-Fetch-Site: same-origin. */
export function isFromOrigin(context: Context, origin: string): boolean {
  return context.req.header('origin')?.toLowerCase() === origin || context.req.header('sec-fetch-site') === 'same-origin';
}

/**
 * The guard every request passes first (see the file's comment):
 * - the Host check (checkHost): 421;
 * - a request another site's page sent (Sec-Fetch-Site neither same-origin nor none), one that
 *   would load the server into a frame, or one whose Origin is not the server's own: 403;
 * - a body that is not `Content-Type: application/json`: 415.
 */
export const guardRequest: MiddlewareHandler = async (context, next) => {
  const origin = checkHost(context);
  const site = context.req.header('sec-fetch-site');
  const path = new URL(context.req.url).pathname;
  const isApi = path.startsWith('/api/');
  // Another site may link to the page or to a login link (a navigation), never read or change data.
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && (isApi || isStateChanging(context.req.method))) {
    throw new HttpError('CROSS_ORIGIN', `Refused: this request comes from a page of another origin (Sec-Fetch-Site: ${site.slice(0, 20)}). Only the dashboard's own page, or a script with the token, may use the API.`);
  }
  if (FRAMED_DESTINATIONS.has(context.req.header('sec-fetch-dest') ?? '')) {
    throw new HttpError('CROSS_ORIGIN', 'Refused: the dashboard is not shown inside another page.');
  }
  if (isStateChanging(context.req.method)) {
    const sender = context.req.header('origin');
    if (sender !== undefined && sender.toLowerCase() !== origin) {
      throw new HttpError('CROSS_ORIGIN', `Refused: this request comes from ${JSON.stringify(sender.slice(0, 100))}, not from the dashboard (${origin}). Only the dashboard's own page, or a script with the token, may change anything.`);
    }
    if (hasBody(context)) {
      const type = context.req.header('content-type') ?? '';
      const media = type.split(';')[0]!.trim().toLowerCase();
      if (media !== 'application/json') throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `The body must be JSON, sent with Content-Type: application/json${type ? `, not ${JSON.stringify(type.slice(0, 100))}` : ' (the request names no Content-Type)'}.`);
    }
  }
  await next();
};

// A request with a body: a length above zero, or one sent in chunks.
function hasBody(context: Context): boolean {
  const length = context.req.header('content-length');
  // Stryker disable next-line MethodExpression: Node's parser (and fetch's Headers) trim header values already; trim stays for any other caller
  return (length !== undefined && length.trim() !== '0') || context.req.header('transfer-encoding') !== undefined;
}
