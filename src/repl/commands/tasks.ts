// /tasks <id> [--status S] [--all]: a job's tasks, each with its status, worker, runs, duration and
// claims; the running, failed and waiting ones first, the first 50 unless --all.
import { UsageError } from '../../errors.js';
import { parseTaskStatuses } from '../../jobs/model/task-order.js';
import { formatTaskList } from '../../render/task-list.js';
import { sanitizeLine } from '../../render/text.js';
import type { SlashCommand } from '../session.js';

/** Rows /tasks shows unless --all. */
const TASK_ROWS = 50;
const USAGE = 'Usage: /tasks <id> [--status failed|running|waiting|done|not-run] [--all]';

/** /tasks <id> [--status S] [--all] */
export const tasksCommand: SlashCommand = {
  name: 'tasks',
  usage: '/tasks <id> [--status S] [--all]',
  summary: "list a job's tasks (running, failed and waiting first): status, worker, runs, duration, claims",
  argument: 'job',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    let statusText: string | null = null;
    let isAll = false;
    const rest: string[] = [];
    for (let index = 0; index < words.length; index++) {
      const word = words[index]!;
      if (word === '--all') isAll = true;
      else if (word === '--status' || word === '-s') statusText = words[++index] ?? '';
      else if (word.startsWith('--status=')) statusText = word.slice('--status='.length);
      else if (word.startsWith('-')) throw new UsageError('USAGE', `${USAGE} (unknown option ${sanitizeLine(word)})`);
      else rest.push(word);
    }
    if (rest.length !== 1) throw new UsageError('USAGE', USAGE);
    const statuses = statusText === null ? null : parseTaskStatuses(statusText);
    if (statusText !== null && !statuses) throw new UsageError('USAGE', `'${sanitizeLine(statusText)}' is not a task status. Use failed, running, waiting, done or not-run (several: failed,running).`);
    const { job, board } = await session.service.view(rest[0]!);
    session.print(formatTaskList(job, board, new Date(), { statuses, limit: isAll ? Number.POSITIVE_INFINITY : TASK_ROWS, command: '/tasks', logsCommand: '/logs' }));
  },
};
