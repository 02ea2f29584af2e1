// The API app in-process, for fast tests: createApiApp on a job service over an in-memory
// repository and a scripted executor (test/helpers/fakes.ts), asked through Hono's app.request
// with the Node listener's view of the request (Host header, local port) that the request guard
// checks. No port is opened, no thread, no process: each request takes a millisecond.
import type { Hono } from 'hono';
import { resolveAgent } from '../../../src/agents/resolve-agent.js';
import { configSchema, getDefaultAgentName, type JoblineConfig } from '../../../src/config/schema.js';
import { createApiApp } from '../../../src/server/api-app.js';
import type { ApiDeps } from '../../../src/server/api-deps.js';
import { BrowserAccess } from '../../../src/server/browser-access.js';
import { EventHub } from '../../../src/server/event-hub.js';
import { LoginLinks } from '../../../src/server/login-links.js';
import { openBrowserKeyFile } from '../../../src/store/browser-key-file.js';
import { JobService } from '../../../src/jobs/service/job-service.js';
import type { OutputFollower } from '../../../src/jobs/ports/job-reader.js';
import { TWO_PHASES, makeFakeManager, makeInMemoryReader } from '../../helpers/fakes.js';
import { makeTempDir } from '../../helpers/temp.js';

/** The port the app believes a request came in on (no listener is opened). */
export const PORT = 4321;
/** The server's own origin at PORT. */
export const ORIGIN = `http://127.0.0.1:${PORT}`;
/** The token every request sends unless it says otherwise. */
export const TOKEN = 't'.repeat(64);

/** An answer: status, headers, the body as text and (when it is JSON) parsed. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** How a request is made: `token: null` sends none; `rawBody` is sent as is (else `body` as JSON). */
export interface CallOptions {
  token?: string | null;
  headers?: Record<string, string>;
  rawBody?: string;
  /** The Host header the listener saw (default 127.0.0.1:PORT); `socket`: came in on the Unix socket. */
  host?: string;
  socket?: boolean;
  /** No listener at all (as if the request did not come through Node's server). */
  noListener?: boolean;
  /** More of what Node's listener hands the app (`outgoing`: its response). */
  env?: Record<string, unknown>;
}

/** The app with its fakes; `call` asks it. */
export function makeApiApp(options: { config?: Record<string, unknown>; deps?: Partial<ApiDeps>; manager?: Parameters<typeof makeFakeManager>[0] } = {}) {
  const fake = makeFakeManager(options.manager);
  // Each job's output.log as lines, which the test writes; offsets are line counts.
  const outputs = new Map<string, string[]>();
  const linesOf = (id: string): string[] => outputs.get(id) ?? [];
  const follower = (id: string, from: number): OutputFollower => {
    let position = from;
    const read = async (): Promise<string[]> => {
      const next = linesOf(id).slice(position);
      position += next.length;
      return next;
    };
    return { read, drain: read };
  };
  const reader = {
    ...makeInMemoryReader(fake.store),
    readOutputTail: async (id: string, maxLines: number) => ({ lines: linesOf(id).slice(-maxLines), hasEarlier: linesOf(id).length > maxLines, size: linesOf(id).length }),
    outputFollower: async (id: string, from = 0) => follower(id, from),
  };
  const service = new JobService({ repository: fake.store, reader, manager: fake.manager, cwd: '/work', adopt: (_stored, cwd) => ({ agent: TWO_PHASES, cwd }), ...(options.manager?.worktrees ? { worktrees: options.manager.worktrees } : {}) });
  const config: JoblineConfig = configSchema.parse({
    agents: { two: { type: 'command', phases: [{ name: 'plan', run: 'true' }, { name: 'apply', run: 'true' }] } },
    ...options.config,
  });
  const jobsDir = makeTempDir('jobline-api-');
  const hub = new EventHub();
  service.subscribe((update) => hub.accept(update));
  const loginLinks = new LoginLinks();
  const browserAccess = new BrowserAccess(openBrowserKeyFile(jobsDir));
  const listened: number[] = [];
  const deps: ApiDeps = {
    service,
    hub,
    token: TOKEN,
    browserAccess,
    loginLinks,
    resolveAgent: (name, cwd) => resolveAgent(name ?? getDefaultAgentName(config), config, cwd, null),
    defaultCwd: '/work',
    cancelGraceMs: 50,
    version: '9.8.7',
    workerLeaseMs: 30_000,
    listenHttp: async (port) => {
      listened.push(port);
      return port === 0 ? 5555 : port;
    },
    config,
    ...options.deps,
  };
  const app: Hono = createApiApp(deps);

  // The raw answer (a stream stays open until read or cancelled).
  const request = (method: string, path: string, body?: unknown, callOptions: CallOptions = {}): Promise<Response> => {
    const token = callOptions.token === undefined ? TOKEN : callOptions.token;
    const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
    const text = callOptions.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    if (text !== undefined && callOptions.rawBody === undefined) headers['content-type'] = 'application/json';
    // As Node's listener sees a body an HTTP client sent: with its length.
    if (text !== undefined) headers['content-length'] = String(Buffer.byteLength(text));
    Object.assign(headers, callOptions.headers);
    const incoming = { headers: { host: callOptions.host ?? `127.0.0.1:${PORT}` }, socket: { localPort: callOptions.socket ? undefined : PORT } };
    const env = callOptions.noListener ? {} : { incoming, ...callOptions.env };
    return Promise.resolve(app.request(path.startsWith('http') ? path : `${ORIGIN}${path}`, { method, headers, body: text === undefined ? undefined : new TextEncoder().encode(text) }, env));
  };

  const call = async (method: string, path: string, body?: unknown, callOptions: CallOptions = {}): Promise<Answer> => {
    const response = await request(method, path, body, callOptions);
    const answerText = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(answerText);
    } catch {
      parsed = answerText;
    }
    return { status: response.status, headers: response.headers, text: answerText, body: parsed };
  };
  return { ...fake, service, outputs, app, deps, config, jobsDir, hub, loginLinks, browserAccess, listened, request, call };
}
