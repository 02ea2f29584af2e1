// /jobs, /jobs <status> and /jobs <id>: the job list (all, or those with a status), or one job in full.
import { formatJobDetails } from '../../render/job-details.js';
import { formatJobList, JOB_FILTERS, matchesFilter, parseJobFilter } from '../../render/job-list.js';
import type { TaskCounts } from '../../jobs/model/task.js';
import { isActiveStatus, JOB_STATUSES } from '../../jobs/model/job.js';
import type { SlashCommand } from '../session.js';

/** Rows /jobs shows at most (active jobs are always among them). */
export const MAX_ROWS = 50;
const MAX_WARNINGS = 5;

/** /jobs [id] */
export const jobsCommand: SlashCommand = {
  name: 'jobs',
  usage: '/jobs [id | status]',
  summary: `list jobs (or only those ${JOB_FILTERS.slice(0, 4).join(', ')}, …), or show one in full`,
  argument: 'job',
  async run(args, session) {
    const now = new Date();
    const filter = args ? parseJobFilter(args) : null;
    if (args && !filter) {
      const { job, board } = await session.service.view(args);
      session.print(formatJobDetails(job, { files: session.service.existingFiles(job.id), tasksCommand: '/tasks', logsCommand: '/logs' }, now, board));
      return;
    }
    // Only the rows shown are read: every active job, and the newest finished ones (the index of
    // ended jobs picks them, so thousands stored cost no more than a few).
    const statuses = filter ? JOB_STATUSES.filter((status) => matchesFilter(status, filter)) : undefined;
    const listed = await session.service.list({ statuses, newestEnded: MAX_ROWS });
    const { warnings } = listed;
    const jobs = listed.jobs;
    for (const warning of warnings.slice(0, MAX_WARNINGS)) session.print(`warning: ${warning}`);
    if (warnings.length > MAX_WARNINGS) session.print(`warning: … and ${warnings.length - MAX_WARNINGS} more unreadable items (jobline list shows them all)`);
    // Active jobs always; finished ones newest first up to the limit, so thousands of stored
    // jobs do not bury the screen.
    const active = jobs.filter((job) => isActiveStatus(job.status));
    const finished = jobs.filter((job) => !isActiveStatus(job.status));
    const shown = [...finished.slice(-Math.max(0, MAX_ROWS - active.length)), ...active].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    // This session's active jobs say how far their tasks are (from their boards, in memory).
    const tasks = new Map<string, TaskCounts>();
    for (const job of shown.filter((candidate) => isActiveStatus(candidate.status))) {
      const counts = session.service.taskCountsOf(job.id);
      if (counts) tasks.set(job.id, counts);
    }
    session.print(formatJobList(shown, now, filter ? listed.total : listed.matching, process.stdout.columns ?? 100, tasks));
    if (filter) session.print(`  ${listed.matching} ${filter.replace('_', ' ')}; /jobs lists all.`);
    if (shown.length < listed.matching) session.print(`  … ${listed.matching - shown.length} older finished jobs not shown (jobline list shows all)`);
  },
};
