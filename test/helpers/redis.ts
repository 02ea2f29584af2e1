// A real redis-server for the queue's tests: started on a free 127.0.0.1 port in a temp folder,
// with AOF on (appendfsync always, so a restart loses nothing acknowledged), as a child of the
// test run; stopped (and restartable on the same port and data) by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { makeTempDir } from './temp.js';
import { waitFor } from './wait.js';

/** A redis-server the test owns. */
export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  dir: string;
  /** Its process now (a new one after restart). */
  readonly child: ChildProcess;
  /** Stops it (SIGKILL when `hard`, else SIGTERM) and waits for its exit. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and data folder (the AOF brings its data back). */
  start(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a redis-server (with `password` when given) and resolves once it accepts connections. */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const port = await findFreePort();
  const dir = makeTempDir('jobline-redis-');
  let child: ChildProcess;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes', ...(options.password ? ['--requirepass', options.password] : [])];
  const boot = async (): Promise<void> => {
    let output = '';
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('Ready to accept connections') || (child.exitCode !== null ? Promise.reject(new Error(`redis-server exited: ${output}`)) : false), 'redis-server to accept connections', 10_000);
  };
  await boot();
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    get child() {
      return child;
    },
    async stop(hard = false) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
    },
    start: boot,
  };
  return redis;
}
