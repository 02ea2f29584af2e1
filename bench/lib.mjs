// Shared by the benchmarks: statistics, machine details, and driving the real REPL in a
// pseudo-terminal. Plain Node; jobline itself is imported from dist/.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';

/** Absolute path of the compiled CLI. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Repetitions of each measurement (BENCH_RUNS overrides). */
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Returns the p-th percentile (0-100) of `samples`. */
export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Median, min and max of a list of figures (one per run). */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
}

/** Formats a summary as `median (min–max)` with `digits` decimals. */
export function fmt(summary, digits = 1) {
  const f = (v) => (typeof v === 'number' ? v.toFixed(digits) : '?');
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)})`;
}

/** Details of this machine, for the report. */
export function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform} (${hostname()})`;
}

// Every folder a benchmark makes lives under one root, removed when the process exits: a full run
// seeds tens of thousands of job folders, which left behind would slow the disk (and the next run).
let root = null;

/** A fresh temp folder (removed at exit with the others). */
export function tempDir(prefix = 'jobline-bench-') {
  if (!root) {
    root = mkdtempSync(join(tmpdir(), 'jobline-bench-'));
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return mkdtempSync(join(root, prefix));
}

/** Writes `count` finished (failed) job folders into `jobsDir`, as earlier sessions would leave them. */
export function seedJobs(jobsDir, count) {
  mkdirSync(jobsDir, { recursive: true, mode: 0o700 });
  // The ended-jobs index, as jobline keeps it beside the jobs it writes (one line per ended job).
  const index = [];
  for (let i = 0; i < count; i++) {
    const id = `job-s${String(i).padStart(7, '0')}`;
    mkdirSync(join(jobsDir, id), { mode: 0o700 });
    const now = '2026-11-22T09:00:00.000Z';
    writeFileSync(join(jobsDir, id, 'job.json'), JSON.stringify({
      schemaVersion: 1, id, agent: 'sh', description: `stored ${i}`, mode: 'background', status: 'failed',
      phases: [{ name: 'run', status: 'failed', attempts: 1, startedAt: now, endedAt: now, output: null, error: 'old' }],
      currentPhase: 0, progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: null }, createdAt: now, startedAt: now, endedAt: now,
      error: 'Phase run failed: old', owner: { pid: 999999, hostname: hostname(), processStartedAt: now },
    }, null, 2));
    index.push(`u ${id} ${now} ${now} failed\n`);
  }
  writeFileSync(join(jobsDir, '.ended-index'), index.join(''));
}

/** The REPL in a pseudo-terminal; `output` is everything it printed, with arrival times available. */
export class ReplSession {
  /** `nodeArgs`: flags for node itself (e.g. --cpu-prof, to profile a run by hand). */
  constructor(cwd, env = {}, args = [], nodeArgs = []) {
    const environment = { ...process.env, TERM: 'xterm-256color', HOME: tempDir('jobline-home-'), ...env };
    delete environment.NO_COLOR;
    delete environment.FORCE_COLOR;
    this.output = '';
    this.listeners = [];
    this.process = pty.spawn(process.execPath, [...nodeArgs, CLI, ...args], { name: 'xterm-256color', cols: 140, rows: 40, cwd, env: environment });
    this.process.onData((data) => {
      this.output += data;
      for (const listener of [...this.listeners]) listener();
    });
    this.exited = new Promise((resolve) => this.process.onExit(resolve));
  }

  get pid() { return this.process.pid; }

  /** Resolves with performance.now() when `predicate(output)` first holds. */
  when(predicate, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.output)) return false;
        this.listeners = this.listeners.filter((l) => l !== check);
        clearTimeout(timer);
        resolve(performance.now());
        return true;
      };
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`timed out waiting; last output: ${JSON.stringify(this.output.slice(-300))}`));
      }, timeoutMs);
      if (!check()) this.listeners.push(check);
    });
  }

  /** Resolves when the output, from offset `from` on, contains `text`. */
  whenAfter(from, text, timeoutMs) {
    return this.when((output) => output.indexOf(text, from) !== -1, timeoutMs);
  }

  write(text) { this.process.write(text); }
  kill(signal = 'SIGKILL') { try { this.process.kill(signal); } catch { /* gone */ } }
}

/**
 * Resident memory of the processes jobline process `pid` keeps to start job commands, in MB,
 * summed (from /proc): each shell lane (its `unshare`, which holds the namespace, and the lane's
 * shell, the namespace's init) and each spawner process (jobline-spawner, where namespaces are
 * refused). Not the jobs' own commands.
 */
export function memoryOfShellHosts(pid) {
  const processes = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      processes.set(Number(entry), { ppid, comm: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
    } catch {
      // Gone meanwhile.
    }
  }
  let total = 0;
  for (const [child, { ppid, comm }] of processes) {
    const isHost = ppid === pid && (comm === 'unshare' || comm === 'jobline-spawner');
    const isLaneShell = processes.get(ppid)?.comm === 'unshare' && processes.get(ppid)?.ppid === pid;
    if (!isHost && !isLaneShell) continue;
    try {
      total += memoryOf(child).rssMb;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** Resident and peak memory of process `pid`, in MB (from /proc). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
