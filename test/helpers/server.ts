// A real `jobline serve` as a child process on a temp jobs folder, listening on 127.0.0.1, and a
// small JSON client for its API (real HTTP over TCP, as a browser or curl would use it).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startCli, type CliResult } from './cli.js';
import { makeTempDir } from './temp.js';
import { waitFor } from './wait.js';
import { findServer } from '../../src/store/server-presence.js';
import { ServerClient } from '../../src/client/server-client.js';

/** A running test server. */
export interface TestServer {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** The project folder it was started in (holds .jobrc.json). */
  cwd: string;
  jobsDir: string;
  port: number;
  token: string;
  /** What it printed so far. */
  output(): string;
  /** Sends `method path` with JSON `body` to http://127.0.0.1:port with the token (or `token`). */
  api<T = any>(method: string, path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string>; rawBody?: string }): Promise<{ status: number; body: T; headers: Headers }>;
  /** A client over the server's Unix socket (as the CLI uses it). */
  client(): ServerClient;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<CliResult>;
}

/** Starts `jobline serve --port 0` (or `options.port`) in a fresh folder with `config` as its .jobrc.json. */
export async function startServer(config: Record<string, unknown> = {}, options: { cwd?: string; jobsDir?: string; port?: number } = {}): Promise<TestServer> {
  const cwd = options.cwd ?? makeTempDir('jobline-serve-');
  const jobsDir = options.jobsDir ?? join(cwd, 'jobs');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ debug: { keepTempFiles: true }, ...config }));
  const { child, result } = startCli(['serve', '--port', String(options.port ?? 0)], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir }, keepStdinOpen: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = result.then((end) => end);
  const port = await Promise.race([
    waitFor(() => /http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1], 'the server to listen', 15_000),
    exited.then((end) => {
      throw new Error(`jobline serve exited (${end.code}): ${output}`);
    }),
  ]).then(Number);
  const found = findServer(jobsDir);
  if (!found) throw new Error(`no server.json in ${jobsDir}`);
  const { token } = found;
  return {
    child,
    result,
    cwd,
    jobsDir,
    port,
    token,
    output: () => output,
    async api(method, path, body, apiOptions = {}) {
      const presented = apiOptions.token === undefined ? token : apiOptions.token;
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { ...(presented ? { authorization: `Bearer ${presented}` } : {}), ...(body !== undefined || apiOptions.rawBody !== undefined ? { 'content-type': 'application/json' } : {}), ...apiOptions.headers },
        body: apiOptions.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // a text answer (logs)
      }
      return { status: response.status, body: parsed as never, headers: response.headers };
    },
    client: () => new ServerClient(found.info, token),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return result;
    },
  };
}
