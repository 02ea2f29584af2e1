// A fleet for the queue's tests: `jobline worker` processes standing in for machines (each with
// its own $HOME, cache and --workdir) on a test's redis-server, and a coordinator's environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH } from './cli.js';
import { makeTempDir } from './temp.js';
import { waitFor } from './wait.js';

/**
 * Short BullMQ timings for the tests of crashes (give them to the workers that are to fail, and to
 * the coordinator): a worker that stops answering loses its runs in ~3.5 s. Other tests keep the
 * defaults, so a worker slowed down by a busy machine never loses a run it holds.
 */
export const FAST_QUEUE_ENV = { JOBLINE_QUEUE_LOCK_MS: '3000', JOBLINE_QUEUE_STALLED_MS: '500' };

/** One `jobline worker` process. */
export interface TestWorker {
  name: string;
  child: ChildProcess;
  home: string;
  workdir: string;
  /** Everything it printed. */
  readonly output: string;
  /** Waits until its output shows `text`. */
  until(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM (it drains), and waits for its exit; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `jobline worker --name NAME` on `queueUrl`; resolves once it listens. */
export async function startWorker(queueUrl: string, options: { name: string; concurrency?: number; labels?: string[]; env?: Record<string, string>; workdir?: string; args?: string[] }): Promise<TestWorker> {
  const home = makeTempDir(`jobline-worker-${options.name}-`);
  const workdir = options.workdir ?? join(home, 'work');
  mkdirSync(workdir, { recursive: true });
  const args = [CLI_PATH, 'worker', '--queue', queueUrl, '--name', options.name, '--concurrency', String(options.concurrency ?? 2), '--workdir', workdir, ...(options.labels ? ['--labels', options.labels.join(',')] : []), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: home, env: { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const worker: TestWorker = {
    name: options.name,
    child,
    home,
    workdir,
    get output() {
      return output;
    },
    until: (text, timeoutMs = 15_000) => waitFor(() => ((typeof text === 'string' ? output.includes(text) : text.test(output)) ? output : child.exitCode !== null ? Promise.reject(new Error(`worker ${options.name} exited: ${output}`)) : null), `worker ${options.name} to print ${text}`, timeoutMs),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
  await worker.until(`worker ${options.name} on `);
  return worker;
}
