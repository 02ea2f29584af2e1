// Last line of defence at exit: kill the process group of every child this process still has.
// Only used when jobline shuts down, when every job process must go: a child spawned in the instant
// before a worker was terminated (inside Node's spawn, before it could be recorded) is caught here.
import { readdirSync } from 'node:fs';
import { readProcessStat } from '../store/owner.js';

/**
 * Sends SIGKILL to the process group of every direct child of this process (read from /proc;
 * does nothing where there is no /proc). Synchronous, so exit handlers can use it. Returns how
 * many groups it signalled.
 */
export function killChildProcessGroups(): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  const ownGroup = readProcessStat(process.pid)?.pgid;
  let signalled = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (!stat || stat.ppid !== process.pid || stat.state === 'Z') continue;
    try {
      // A job's child leads its own group; anything else is killed alone, never our own group.
      if (stat.pgid !== ownGroup) process.kill(-stat.pgid, 'SIGKILL');
      else process.kill(Number(entry), 'SIGKILL');
      signalled++;
    } catch {
      // Gone already.
    }
  }
  return signalled;
}
