// /logs <id> [task] [-f]: a job's output.log (its tail; the file may be huge), or one task's
// output (its latest run's), made inert for the terminal; -f follows it until Ctrl+C or the end
// of the job (of the run, for a task).
import { UsageError } from '../../errors.js';
import { isTerminalStatus } from '../../jobs/model/job.js';
import { OUTPUT_FILE } from '../../jobs/model/task.js';
import { formatLogLines } from '../../render/log-lines.js';
import { formatRunHeading } from '../../render/task-list.js';
import type { SlashCommand } from '../session.js';

const LOG_TAIL_LINES = 200;
const FOLLOW_POLL_MS = 200;

/** /logs <id> [task] [-f] */
export const logsCommand: SlashCommand = {
  name: 'logs',
  usage: '/logs <id> [task] [-f]',
  summary: "show a job's output, or one task's; -f follows it (Ctrl+C stops)",
  argument: 'job',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    const follow = words.includes('-f') || words.includes('--follow');
    const [input, taskReference, ...extra] = words.filter((word) => !word.startsWith('-'));
    if (!input || extra.length > 0) throw new UsageError('USAGE', 'Usage: /logs <id> [task] [-f]');
    if (taskReference) {
      await showTaskOutput(session, input, taskReference, follow);
      return;
    }
    const job = await session.service.get(input);
    const path = session.service.pathsOf(job.id).output;
    const tail = await session.service.readOutputTail(job.id, LOG_TAIL_LINES);
    if (tail.size === 0 && !follow) {
      session.print(job.status === 'completed' ? `${job.id} has no output on disk (only the newest maxCompletedJobs completed jobs keep their files).` : `${job.id} has printed nothing yet.`);
      return;
    }
    if (tail.hasEarlier) session.print(`… (earlier output in ${path})`);
    if (tail.lines.length > 0) session.print(formatLogLines(tail.lines));
    if (!follow) return;
    session.print(`Following ${job.id} (Ctrl+C to stop)…`);
    // The job's output lines are what this prints: as notifications they would come again
    // once the follow ends.
    const unmute = session.muteOutputOf(job.id);
    try {
      await session.runForeground(async (signal, write) => {
        let status: string = job.status;
        const hasEnded = await session.service.followOutput(job.id, {
          offset: tail.size,
          signal,
          pollMs: FOLLOW_POLL_MS,
          onLines: (lines) => write(formatLogLines(lines)),
          isEnded: async () => {
            const current = await session.service.get(job.id).catch(() => null);
            status = current?.status ?? 'gone';
            return !current || isTerminalStatus(current.status);
          },
        });
        write(hasEnded ? `${job.id} is ${status}.` : `Stopped following ${job.id}.`);
      });
    } finally {
      unmute();
    }
  },
};

// One task's output: its latest run's, with a line saying which run it is.
async function showTaskOutput(session: Parameters<SlashCommand['run']>[1], input: string, taskReference: string, follow: boolean): Promise<void> {
  const { job, task, run, tail } = await session.service.taskOutput(input, taskReference, LOG_TAIL_LINES);
  if (!run || !tail) {
    session.print(`${task.id} of ${job.id} has not run yet (${task.status}).`);
    return;
  }
  session.print(formatRunHeading(job.id, task, run));
  if (tail.hasEarlier) session.print('… (earlier lines cut)');
  if (tail.lines.length > 0) session.print(formatLogLines(tail.lines));
  else session.print('(no output)');
  if (!follow || run.state.status !== 'running') return;
  if (run.output.file === OUTPUT_FILE) {
    session.print(`${task.id} is its phase's only task: /logs ${job.id} -f follows it.`);
    return;
  }
  await session.runForeground(async (signal, write) => {
    const hasEnded = await session.service.followRunOutput(job.id, run, {
      offset: tail.size,
      signal,
      pollMs: FOLLOW_POLL_MS,
      onLines: (lines) => write(formatLogLines(lines)),
    });
    write(hasEnded ? `${task.id} ${run.id} ended.` : `Stopped following ${task.id}.`);
  });
}
