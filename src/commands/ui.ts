// `jobline ui`: the web dashboard of the jobs folder. Uses the server running on the folder (making
// it listen on HTTP if it does not yet), or starts one in the background; then prints a one-time
// link that logs a browser in, and opens it where a desktop exists.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ServerClient } from '../client/server-client.js';
import { findServer, ServerError } from '../store/server-presence.js';
import type { AppContext } from './context.js';

/** The port a server started by `jobline ui` listens on unless told otherwise: stable, so an open dashboard finds the next server. */
export const DEFAULT_UI_PORT = 4780;

/** How long `jobline ui` waits for a server it started (ms). */
const SERVER_START_MS = 15_000;

/** Options of `jobline ui`. */
export interface UiOptions {
  /** The HTTP port (default DEFAULT_UI_PORT, else any free one when it is taken). */
  port?: number;
  /** Open the link in a browser (default: when a desktop exists). */
  open?: boolean;
}

/**
 * Prints (and opens) a one-time login link to the dashboard of the context's jobs folder. Returns the exit code.
 * @throws ServerError SERVER_UNREACHABLE when no server could be started or reached.
 */
export async function uiCommand(context: AppContext, options: UiOptions): Promise<number> {
  const jobsDir = context.jobs.jobsDir;
  let found = findServer(jobsDir);
  let started = false;
  if (!found) {
    found = await startServer(context, options.port ?? DEFAULT_UI_PORT);
    if (!found && options.port === undefined) found = await startServer(context, 0);
    if (!found) throw new ServerError('SERVER_UNREACHABLE', `jobline serve did not start on ${jobsDir}: see ${join(jobsDir, 'server.log')}.`);
    started = true;
  }
  const client = new ServerClient(found.info, found.token);
  const port = found.info.port ?? (await client.request<{ port: number }>('POST', '/api/listen', { port: options.port ?? DEFAULT_UI_PORT }).catch(() => client.request<{ port: number }>('POST', '/api/listen', { port: 0 }))).body.port;
  const { body } = await client.request<{ url: string; expiresAt: string }>('POST', '/api/login-links', {});
  const link = `http://127.0.0.1:${port}${body.url}`;
  process.stdout.write(`${started ? `Started jobline serve (pid ${found.info.pid}) on ${jobsDir}; it keeps running (stop it with kill ${found.info.pid}).\n` : `jobline serve (pid ${found.info.pid}) runs on ${jobsDir}.\n`}Dashboard: ${link}\n(a one-time link: it logs one browser in, within 10 minutes; run jobline ui again for another)\n`);
  if (options.open ?? hasDesktop()) openInBrowser(link);
  return 0;
}

// Starts `jobline serve --port <port>` in the background, detached, its output in server.log; waits
// for it to announce itself (server.json). Null when it exits first (a port in use) or times out.
async function startServer(context: AppContext, port: number): Promise<ReturnType<typeof findServer>> {
  const jobsDir = context.jobs.jobsDir;
  const log = openSync(join(jobsDir, 'server.log'), 'a');
  // The command line that runs now (dist/cli.js, or the `jobline` link to it) starts the server.
  const args = [process.argv[1]!, 'serve', '--port', String(port), ...(context.configPath ? ['--config', context.configPath] : [])];
  const child = spawn(process.execPath, args, { cwd: context.cwd, detached: true, stdio: ['ignore', log, log], env: { ...process.env, JOBLINE_JOBS_DIR: jobsDir } });
  closeSync(log);
  let hasExited = false;
  child.once('exit', () => (hasExited = true));
  child.unref();
  const deadline = Date.now() + SERVER_START_MS;
  while (Date.now() < deadline && !hasExited) {
    const found = findServer(jobsDir);
    if (found && found.info.pid === child.pid && found.info.port !== null) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

// A desktop to open a browser on: a graphical session on Linux, or macOS.
function hasDesktop(): boolean {
  return process.platform === 'darwin' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

// Opens `url` with the desktop's opener; a missing opener is not an error (the link is printed).
function openInBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
