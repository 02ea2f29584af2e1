// Whether a `jobline serve` runs on a jobs folder, and how to reach it: the server's claim (one
// server per folder, held for the server's life), its socket, its token (mode 0600) and its
// server.json. Clients find a server by a live claim and a readable server.json; a claim whose
// holder died is stale and the next server breaks it (see claim.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JoblineError } from '../errors.js';
import { isStale, readClaim, tryAcquireClaim, type Claim } from './claim.js';
import { isPidRunning, readProcessStartMs } from '../jobs/process/owner.js';
import { writeFileAtomicSync } from './atomic-write.js';

/** A server that cannot start or be reached. Codes: SERVER_RUNNING, SERVER_SOCKET_PATH, SERVER_UNREACHABLE, SERVER_AUTH. */
export class ServerError extends JoblineError {}

/** Names of the server's files in the jobs folder. */
export const SERVER_FILES = { claim: 'server.claim', info: 'server.json', token: 'server-token', socket: 'jobline.sock', browserKey: 'browser-key' } as const;

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes, with its terminating NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** What server.json says of a running server. */
export interface ServerInfo {
  pid: number;
  /** The Unix socket it listens on. */
  socketPath: string;
  /** Its HTTP port on 127.0.0.1, or null when it listens on the socket only. */
  port: number | null;
  /** ISO-8601 UTC. */
  startedAt: string;
  version: string;
  /**
   * Where its runs go: a queue (see describeQueue), or null for its own threads. Absent in the
   * server.json of a jobline from before queues (its own threads).
   */
  queue?: string | null;
}

/** A server's hold on its jobs folder: its token, and `release()` (removes its files; idempotent). */
export interface ServerPresence {
  readonly token: string;
  readonly socketPath: string;
  /** Publishes where the server listens (server.json), once it does. */
  announce(info: ServerInfo): void;
  release(): void;
}

/** The socket path of a server on `jobsDir`. */
export function serverSocketPath(jobsDir: string): string {
  return join(jobsDir, SERVER_FILES.socket);
}

/**
 * Takes `jobsDir` for a server: its claim, a new random token (32 bytes, hex, mode 0600), and the
 * socket path (a socket a dead server left is removed).
 * @throws ServerError SERVER_RUNNING (naming the pid) when a live server holds the folder;
 *   SERVER_SOCKET_PATH when the socket path is too long for Linux.
 */
export function claimServerPresence(jobsDir: string): ServerPresence {
  const socketPath = serverSocketPath(jobsDir);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new ServerError('SERVER_SOCKET_PATH', `The jobs folder's path is too long for a Unix socket (${socketPath}: over ${MAX_SOCKET_PATH_BYTES} bytes). Set a shorter jobsDir (or JOBLINE_JOBS_DIR).`);
  }
  const claimPath = join(jobsDir, SERVER_FILES.claim);
  const claim: Claim | null = tryAcquireClaim(claimPath);
  if (!claim) {
    const holder = readClaim(claimPath)?.holder.pid;
    throw new ServerError('SERVER_RUNNING', `A jobline server already runs on ${jobsDir}${holder ? ` (pid ${holder})` : ''}. Use it (jobline attaches to it), or stop it first.`);
  }
  // The claim is ours: whatever socket or info is there belongs to a server that died.
  rmSync(socketPath, { force: true });
  rmSync(join(jobsDir, SERVER_FILES.info), { force: true });
  const token = randomBytes(32).toString('hex');
  writeFileAtomicSync(join(jobsDir, SERVER_FILES.token), `${token}\n`);
  let isReleased = false;
  return {
    token,
    socketPath,
    announce: (info) => writeFileAtomicSync(join(jobsDir, SERVER_FILES.info), `${JSON.stringify(info, null, 2)}\n`),
    release: () => {
      if (isReleased) return;
      isReleased = true;
      for (const name of [SERVER_FILES.info, SERVER_FILES.token, SERVER_FILES.socket]) rmSync(join(jobsDir, name), { force: true });
      claim.release();
    },
  };
}

/**
 * The server running on `jobsDir` and its token, or null when none does (no claim, a stale one, or
 * a server still starting: no server.json yet). Never throws.
 */
export function findServer(jobsDir: string): { info: ServerInfo; token: string } | null {
  const record = readClaim(join(jobsDir, SERVER_FILES.claim));
  if (!record || isStale(record)) return null;
  try {
    const info = JSON.parse(readFileSync(join(jobsDir, SERVER_FILES.info), 'utf8')) as ServerInfo;
    const token = readFileSync(join(jobsDir, SERVER_FILES.token), 'utf8').trim();
    if (info.pid !== record.holder.pid || typeof info.socketPath !== 'string' || !/^[0-9a-f]{64}$/.test(token)) return null;
    return { info, token };
  } catch {
    return null;
  }
}

/**
 * True while the process of the server `info` describes is alive (an exited one left as a zombie
 * is not). A client attached to it tells a server that went (its jobs are interrupted) from one
 * that does not answer for a moment. Never throws.
 */
export function isServerRunning(info: Pick<ServerInfo, 'pid'>): boolean {
  const startMs = readProcessStartMs(info.pid);
  return startMs === undefined ? isPidRunning(info.pid) : startMs !== null;
}
