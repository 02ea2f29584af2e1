// What the REPL says about the `jobline serve` it attaches to: where its jobs run when it starts
// or attaches, that the server went (and that the REPL goes on without it), and that a server is
// back while the REPL's own jobs keep it on its own.
import chalk from 'chalk';
import type { SessionChange } from '../client/failover-session.js';
import type { Job } from '../jobs/model/job.js';

/** The line said when the REPL attaches to the server `pid` (at start, or when one comes back). */
export function formatAttached(pid: number): string {
  return `attached to jobline serve (pid ${pid}): jobs run there and keep running when you leave`;
}

/**
 * The server's active jobs, as an attached REPL finds or leaves them: `3 job(s) in jobline serve
 * (pid 1234): 2 awaiting approval (job-ab12, job-cd34), 1 running (job-ef56)`.
 */
export function formatAttachedJobs(jobs: readonly Job[], pid: number): string {
  const byStatus = new Map<string, string[]>();
  for (const job of jobs) byStatus.set(job.status, [...(byStatus.get(job.status) ?? []), job.id.slice(0, 8)]);
  const parts = [...byStatus].map(([status, ids]) => `${ids.length} ${status.replace('_', ' ')} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`);
  return `${jobs.length} job(s) in jobline serve (pid ${pid}): ${parts.join(', ')}`;
}

/** The lines a change of session is told with (see SessionChange). */
export function formatSessionChange(change: SessionChange): string[] {
  switch (change.type) {
    case 'lost':
      return [chalk.yellow(`jobline serve (pid ${change.pid}) stopped: going on without it (new jobs run here)${change.hadActiveJobs ? '; its jobs were interrupted (/resume ID)' : ''}`)];
    case 'available':
      return [chalk.dim(`jobline serve (pid ${change.pid}) runs on this jobs folder: this REPL attaches to it once its ${change.activeJobs} active job(s) end`)];
    case 'attached':
      return [formatAttached(change.pid), ...(change.activeJobs.length > 0 ? [formatAttachedJobs(change.activeJobs, change.pid)] : []), ...(change.note ? [chalk.yellow(change.note)] : [])];
  }
}
