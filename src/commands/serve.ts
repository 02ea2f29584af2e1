// `jobline serve`: the job service without a terminal, on the jobs folder, for as long as it runs.
// It listens on a Unix socket in the jobs folder (mode 0600) and, with --port, on HTTP at
// 127.0.0.1; every request carries the server's token. Exit paths are the REPL's: every active job
// is marked interrupted and every process stopped.
import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { resolveAgent } from '../agents/resolve-agent.js';
import { getDefaultAgentName } from '../config/schema.js';
import { createApiApp } from '../server/api-app.js';
import { BrowserAccess } from '../server/browser-access.js';
import { EventHub } from '../server/event-hub.js';
import { LoginLinks } from '../server/login-links.js';
import { openBrowserKeyFile } from '../store/browser-key-file.js';
import { claimServerPresence, ServerError } from '../store/server-presence.js';
import { createJobService, type AppContext } from './context.js';
import { describeQueue } from '../jobs/queue/queue-settings.js';
import { installExitHandlers } from './exit-signals.js';
import { sanitizeLine } from '../render/text.js';
import type { JobUpdate } from '../jobs/service/job-commands.js';

/** Options of `jobline serve`. */
export interface ServeOptions {
  /** Also listen on HTTP at 127.0.0.1:port (0: a free port). */
  port?: number;
  version: string;
}

/**
 * Serves the jobs folder of `context` until a signal ends the process. Prints where it listens.
 * @throws ServerError SERVER_RUNNING (another server holds the folder), SERVER_SOCKET_PATH,
 *   SERVER_LISTEN (the port is taken).
 */
export async function serveCommand(context: AppContext, options: ServeOptions): Promise<void> {
  const { config } = context;
  const presence = claimServerPresence(context.jobs.jobsDir);
  const servers: Server[] = [];
  const stopServing = (): void => {
    for (const server of servers) server.close();
    presence.release();
  };
  // Every way out removes the server's files (a crash leaves a stale claim, broken by the next).
  process.on('exit', stopServing);
  try {
    const service = await createJobService(context, { isServer: true });
    const hub = new EventHub();
    // Warnings (a full disk, a queue gone) are said on the server's console too, not only to its clients.
    const accept = (update: JobUpdate): void => {
      if (update.type === 'warning') process.stderr.write(`jobline serve: ${sanitizeLine(update.message)}\n`);
      hub.accept(update);
    };
    service.subscribe(accept);
    // Jobs a REPL beside the server runs (not attached: it started first) show live too.
    service.followOtherProcesses(accept);
    // Ctrl+C (or SIGTERM) says what it did: the jobs it marked interrupted, which the next start offers to resume.
    installExitHandlers(service.lifecycle, stopServing, (marked) => void process.stdout.write(`${formatStopped(marked)}\n`));
    const loginLinks = new LoginLinks();
    // The folder's browser key: made now when there is none (a deleted file logged everyone out).
    const browserAccess = new BrowserAccess(openBrowserKeyFile(context.jobs.jobsDir));
    browserAccess.currentKey();
    let listener: ReturnType<typeof getRequestListener> = async () => {};
    let port: number | null = null;
    const startedAt = new Date().toISOString();
    const announce = (): void => presence.announce({ pid: process.pid, socketPath: presence.socketPath, port, startedAt, version: options.version, queue: context.queue ? describeQueue(context.queue) : null });
    // HTTP on 127.0.0.1 (the dashboard's and other machines' way in, through a tunnel): at start
    // with --port, or later when `jobline ui` asks a server that listens on its socket only.
    let httpStarting: Promise<number> | null = null;
    const listenHttp = (wanted: number): Promise<number> => {
      httpStarting ??= (async () => {
        const httpServer = createServer(listener);
        servers.push(httpServer);
        await listen(httpServer, { port: wanted, host: '127.0.0.1' });
        port = (httpServer.address() as { port: number }).port;
        announce();
        return port;
      })().catch((error: unknown) => {
        httpStarting = null;
        throw error;
      });
      return httpStarting;
    };
    // The queue's fleet, read on one connection for GET /api/workers (when runs go through a queue).
    const fleet = context.queue ? new (await import('../jobs/queue/fleet.js')).FleetReader(context.queue) : null;
    const app = createApiApp({
      listenHttp,
      loginLinks,
      service,
      hub,
      token: presence.token,
      browserAccess,
      resolveAgent: (name, cwd, definitions) => {
        // A client's own config (a REPL attached from another project) sends its agents'
        // definitions, which replace the server's; the server never reads a file a client names.
        const source = definitions
          ? { config: { ...config, agents: definitions.agents, providers: definitions.providers, defaultAgent: definitions.defaultAgent ?? null, workspace: definitions.workspace ?? null }, path: definitions.configFile ?? null }
          : { config, path: context.configPath };
        return resolveAgent(name ?? getDefaultAgentName(source.config), source.config, cwd, source.path);
      },
      defaultCwd: context.cwd,
      cancelGraceMs: config.cancelGraceMs,
      version: options.version,
      workerLeaseMs: config.workerLeaseMs,
      config,
      ...(fleet ? { readFleet: () => fleet.read() } : {}),
    });
    listener = getRequestListener(app.fetch);
    const socketServer = createServer(listener);
    servers.push(socketServer);
    await listen(socketServer, presence.socketPath);
    // Only this user may connect (the folder is 0700 too; the token is checked anyway).
    chmodSync(presence.socketPath, 0o600);
    if (options.port !== undefined) await listenHttp(options.port);
    else announce();
    // A browser logs in once through a one-time link (its page trades it for the browser key);
    // scripts send the token. Links minted later never push this one out.
    const link = port === null ? '' : `  dashboard: http://127.0.0.1:${port}/login/${loginLinks.mint(undefined, { isPrinted: true }).code} (a one-time login link, for 10 minutes)\n`;
    process.stdout.write(`jobline serve (pid ${process.pid}) on ${context.jobs.jobsDir}\n  socket ${presence.socketPath}\n${port === null ? '' : `  http://127.0.0.1:${port}/api\n`}  token in ${context.jobs.jobsDir}/server-token\n${link}`);
  } catch (error) {
    stopServing();
    throw error;
  }
  // Runs until a signal: the exit handlers end the process.
  await new Promise<never>(() => {});
}

/** What a stopped server did: `Stopped: 2 jobs marked interrupted (…)`, or that no job was active. */
export function formatStopped(marked: readonly string[]): string {
  if (marked.length === 0) return 'Stopped: no job was active.';
  const shown = marked.slice(0, 5).join(', ');
  return `Stopped: ${marked.length} job${marked.length === 1 ? '' : 's'} marked interrupted (${shown}${marked.length > 5 ? ', …' : ''}); jobline resume ID, or the next jobline, continues them.`;
}

function listen(server: Server, where: string | { port: number; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const place = typeof where === 'string' ? where : `${where.host}:${where.port}`;
      reject(new ServerError('SERVER_LISTEN', `jobline serve cannot listen on ${place}: ${error.code === 'EADDRINUSE' ? 'it is in use' : error.message}.`, { cause: error }));
    });
    if (typeof where === 'string') server.listen(where, resolve);
    else server.listen(where.port, where.host, resolve);
  });
}
