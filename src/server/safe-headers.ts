// The headers every answer of the server carries, whichever way it is written (through Hono, or
// straight to Node's response for the event stream).

/** Headers on every answer: nothing of it may be loaded by another origin, sniffed, or framed. */
export const SAFE_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
