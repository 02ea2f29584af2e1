// Waiting for a condition to become true, instead of sleeping and hoping.
import { readdirSync, readFileSync } from 'node:fs';
import { readProcessStat } from '../../src/jobs/process/owner.js';

/**
 * Polls `condition` every `intervalMs` until it returns a truthy value, which is returned.
 * Rejects with `message` after `timeoutMs`.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, message: string, timeoutMs = 10_000, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Returns true while process `pid` exists (zombies excluded). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readProcessStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/**
 * Waits until none of `pids` is alive. SIGKILL is delivered asynchronously (kill() returns
 * before the target has died), so process death is awaited, within `timeoutMs`, never sampled once.
 * Resolves with the pids still alive at the deadline (empty on success).
 */
export async function waitForProcessesToExit(pids: readonly number[], timeoutMs = 2000): Promise<number[]> {
  try {
    await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), `processes ${pids.join(', ')} to exit`, timeoutMs);
    return [];
  } catch {
    return pids.filter(isProcessAlive);
  }
}

/** Pids of live (non-zombie) processes whose command line contains `marker`. */
export function findProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker) && isProcessAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * Waits until exactly `count` live processes have `marker` in their command line and returns
 * their pids (host pids: a job's shell runs in its own PID namespace, so `$$` inside it is not
 * a pid the test can signal or watch).
 */
export function waitForProcesses(marker: string, count: number, timeoutMs = 10_000): Promise<number[]> {
  return waitFor(() => {
    const pids = findProcesses(marker);
    return pids.length >= count ? pids : null;
  }, `${count} process(es) running ${marker}`, timeoutMs);
}

/** The nearest ancestor of `pid` whose command name is `name`, or null. */
export function findAncestorNamed(pid: number, name: string): number | null {
  for (let current = readProcessStat(pid)?.ppid; current && current > 1; current = readProcessStat(current)?.ppid) {
    try {
      if (readFileSync(`/proc/${current}/comm`, 'utf8').trim() === name) return current;
    } catch {
      return null;
    }
  }
  return null;
}
