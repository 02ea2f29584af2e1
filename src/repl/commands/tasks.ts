// /tasks <id>: a job's tasks, each with its status, worker, runs, duration and claims.
import { UsageError } from '../../errors.js';
import { formatTaskList } from '../../render/task-list.js';
import type { SlashCommand } from '../session.js';

/** /tasks <id> */
export const tasksCommand: SlashCommand = {
  name: 'tasks',
  usage: '/tasks <id>',
  summary: "list a job's tasks: status, worker, runs, duration, claims",
  argument: 'job',
  async run(args, session) {
    if (!args.trim()) throw new UsageError('USAGE', 'Usage: /tasks <id>');
    const { job, board } = await session.service.view(args.trim());
    session.print(formatTaskList(job, board, new Date()));
  },
};
