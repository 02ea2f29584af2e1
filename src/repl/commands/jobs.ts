// /jobs and /jobs <id>: the job list, or one job in full.
import { formatJobDetails } from '../../render/job-details.js';
import { formatJobList } from '../../render/job-list.js';
import { isActiveStatus } from '../../jobs/job.js';
import type { SlashCommand } from '../session.js';

/** Rows /jobs shows at most (active jobs are always among them). */
export const MAX_ROWS = 50;
const MAX_WARNINGS = 5;

/** /jobs [id] */
export const jobsCommand: SlashCommand = {
  name: 'jobs',
  usage: '/jobs [id]',
  summary: 'list jobs, or show one in full',
  argument: 'job',
  async run(args, session) {
    const now = new Date();
    if (args) {
      const job = await session.catalog.get(args);
      session.print(formatJobDetails(job, session.manager.store.pathsOf(job.id), now));
      return;
    }
    const { jobs, warnings } = await session.catalog.list();
    for (const warning of warnings.slice(0, MAX_WARNINGS)) session.print(`warning: ${warning}`);
    if (warnings.length > MAX_WARNINGS) session.print(`warning: … and ${warnings.length - MAX_WARNINGS} more unreadable items (jobline list shows them all)`);
    // Active jobs always; finished ones newest first up to the limit, so thousands of stored
    // jobs do not bury the screen.
    const active = jobs.filter((job) => isActiveStatus(job.status));
    const finished = jobs.filter((job) => !isActiveStatus(job.status));
    const shown = [...finished.slice(-Math.max(0, MAX_ROWS - active.length)), ...active].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    session.print(formatJobList(shown, now, jobs.length));
    if (shown.length < jobs.length) session.print(`  … ${jobs.length - shown.length} older finished jobs not shown (jobline list shows all)`);
  },
};
