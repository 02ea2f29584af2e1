// Last line of defence at exit: kill the process group of every process this one has started,
// directly (a worker's spawner) or through a spawner (the jobs' shells). Only used when jobline
// shuts down, when every job process must go: a shell started in the instant before its worker
// was terminated, or one whose spawner died, is caught here.
import { readdirSync, readFileSync } from 'node:fs';
import { readProcessStat } from './owner.js';

/**
 * Sends SIGKILL to the process group of every descendant of this process (read from /proc; does
 * nothing where there is no /proc). Synchronous, so exit handlers can use it. Returns how many
 * groups it signalled.
 */
export function killChildProcessGroups(): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  const ownGroup = readProcessStat(process.pid)?.pgid;
  const childrenOf = new Map<number, { pid: number; pgid: number }[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    const siblings = childrenOf.get(stat.ppid) ?? [];
    siblings.push({ pid: Number(entry), pgid: stat.pgid });
    childrenOf.set(stat.ppid, siblings);
  }
  // Collect the whole tree before killing anything: a killed spawner's shells would be re-parented
  // (to init) and no longer found under it.
  const descendants: { pid: number; pgid: number }[] = [];
  const pending = [process.pid];
  while (pending.length > 0) {
    for (const child of childrenOf.get(pending.pop()!) ?? []) {
      descendants.push(child);
      pending.push(child.pid);
    }
  }
  let signalled = 0;
  for (const { pid, pgid } of descendants.reverse()) {
    try {
      // A job's shell and a spawner each lead their own group; anything else is killed alone,
      // never our own group.
      if (pgid !== ownGroup) process.kill(-pgid, 'SIGKILL');
      else process.kill(pid, 'SIGKILL');
      signalled++;
    } catch {
      // Gone already (or its group was signalled just before).
    }
  }
  return signalled;
}

/**
 * Pids of live processes started for job `jobId`: those whose environment holds `JOB_ID=<jobId>`
 * (every command phase's shell and what it starts, unless a process cleared its environment).
 * Reads /proc; returns [] where there is none. Used to refuse a resume while a previous run of
 * the job still has processes alive.
 */
export function findJobProcesses(jobId: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`JOB_ID=${jobId}\0`);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      // At the start of the environment, or after the NUL that ends the previous variable.
      const at = environ.indexOf(needle);
      if (at === -1 || (at > 0 && environ[at - 1] !== 0)) continue;
      const stat = readProcessStat(Number(entry));
      if (stat && stat.state !== 'Z') pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}
