// /logs <id> [-f]: a job's output.log (its tail; the file may be huge), made inert for the
// terminal; -f follows it until Ctrl+C or the end of the job.
import { UsageError } from '../../errors.js';
import { isTerminalStatus } from '../../jobs/model/job.js';
import { formatLogLines } from '../../render/log-lines.js';
import type { SlashCommand } from '../session.js';

const LOG_TAIL_LINES = 200;
const FOLLOW_POLL_MS = 200;

/** /logs <id> [-f] */
export const logsCommand: SlashCommand = {
  name: 'logs',
  usage: '/logs <id> [-f]',
  summary: "show a job's output; -f follows it (Ctrl+C stops)",
  argument: 'job',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    const follow = words.includes('-f') || words.includes('--follow');
    const input = words.find((word) => !word.startsWith('-'));
    if (!input) throw new UsageError('USAGE', 'Usage: /logs <id> [-f]');
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
