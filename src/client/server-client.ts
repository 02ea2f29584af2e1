// A client of `jobline serve` over its Unix socket: JSON requests with the server's token, its
// error bodies turned back into errors with the same code, and the event stream read as it comes.
// What the REPL and the script commands use when a server runs on their jobs folder.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { JoblineError } from '../errors.js';
import { ServerError, type ServerInfo } from '../store/server-presence.js';

/** A refusal of the server: its error code, message, HTTP status and details (a claim conflict's files). */
export class ApiError extends JoblineError {
  constructor(code: string, message: string, readonly status: number, readonly details: Record<string, unknown> = {}) {
    super(code, message);
  }
}

/** An answer: its status and parsed JSON body (null for 204). */
export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** One Server-Sent Event as read: its id, name and JSON data. */
export interface ServerEvent {
  id: string | null;
  name: string;
  data: unknown;
}

/** Talks to the server described by `info` with `token`. */
export class ServerClient {
  constructor(
    readonly info: ServerInfo,
    private readonly token: string,
  ) {}

  /**
   * Sends `method path` with JSON `body`; resolves with the answer of a 2xx.
   * @throws ApiError with the server's code for any other status; ServerError SERVER_UNREACHABLE
   *   when the socket does not answer (the server died: its jobs read as interrupted).
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await this.open(method, path, body);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    const parsed = text === '' ? null : parseJson(text, status);
    if (status >= 200 && status < 300) return { status, body: parsed as T };
    const error = (parsed as { error?: { code?: string; message?: string } & Record<string, unknown> } | null)?.error;
    const { code = 'INTERNAL', message = `The server answered ${status}.`, ...details } = error ?? {};
    throw new ApiError(code, message, status, details);
  }

  /** The raw response to `GET path` (a stream: logs with follow, events). @throws like request. */
  async stream(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    const response = await this.open('GET', path, undefined, headers, signal);
    if ((response.statusCode ?? 0) >= 300) {
      const text = await readAll(response);
      const error = (parseJson(text, response.statusCode ?? 0) as { error?: { code?: string; message?: string } }).error;
      throw new ApiError(error?.code ?? 'INTERNAL', error?.message ?? `The server answered ${response.statusCode}.`, response.statusCode ?? 0);
    }
    return response;
  }

  /**
   * Reads the event stream (`/api/events`, with `query`), handing each event to `onEvent` until
   * `signal` aborts or the server goes; resolves then. `lastEventId` resumes after that event;
   * `onConnected` hears that the server accepted the stream (events from then on reach it).
   */
  async followEvents(onEvent: (event: ServerEvent) => void, options: { query?: string; lastEventId?: string; signal?: AbortSignal; onConnected?: () => void } = {}): Promise<void> {
    const response = await this.stream(`/api/events${options.query ? `?${options.query}` : ''}`, options.lastEventId ? { 'last-event-id': options.lastEventId } : {}, options.signal);
    options.onConnected?.();
    response.setEncoding('utf8');
    let pending = '';
    await new Promise<void>((resolve) => {
      response.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) !== -1) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const event = parseEventBlock(block);
          if (event) onEvent(event);
        }
      });
      response.on('end', resolve);
      response.on('error', () => resolve());
      response.on('close', resolve);
    });
  }

  private open(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({
        socketPath: this.info.socketPath,
        path,
        method,
        signal,
        headers: { authorization: `Bearer ${this.token}`, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
      }, resolve);
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        if (error.name === 'AbortError') reject(error);
        else reject(new ServerError('SERVER_UNREACHABLE', `jobline serve (pid ${this.info.pid}) does not answer on ${this.info.socketPath}: ${error.code ?? error.message}. If it died, its jobs read as interrupted; start it again or run without it.`, { cause: error }));
      });
      outgoing.end(payload);
    });
  }
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('INTERNAL', `The server answered ${status} with a body that is not JSON.`, status);
  }
}

// One SSE block (`id:`, `event:`, `data:` lines; comments start with `:`), or null for a comment.
function parseEventBlock(block: string): ServerEvent | null {
  let id: string | null = null;
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { id, name, data: JSON.parse(data.join('\n')) };
  } catch {
    return { id, name, data: data.join('\n') };
  }
}
