// /jobs and /jobs <id>: the job list, or one job in full.
import { formatJobDetails } from '../../render/job-details.js';
import { formatJobList } from '../../render/job-list.js';
import type { SlashCommand } from '../session.js';

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
    for (const warning of warnings) session.print(`warning: ${warning}`);
    session.print(formatJobList(jobs, now));
  },
};
