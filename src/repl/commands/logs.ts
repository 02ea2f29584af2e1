// /logs <id> [task] [--task T] [--failed] [-f]: a job's output in time order (its tail: the whole
// may be huge), the runs of a phase of several tasks too, each of their lines marked `t35 │` in
// the task's colour; one task's runs, or the failed runs'; made inert for the terminal. -f follows
// until Ctrl+C or the end of the job (of the task).
import { UsageError } from '../../errors.js';
import { isTerminalStatus } from '../../jobs/model/job.js';
import type { TranscriptLine } from '../../jobs/service/job-transcript.js';
import { formatTranscriptLine, taskIdWidth, type TranscriptStyle } from '../../render/log-lines.js';
import type { SlashCommand } from '../session.js';

const LOG_TAIL_LINES = 200;
const FOLLOW_POLL_MS = 200;
const USAGE = 'Usage: /logs <id> [task] [--failed] [-f]';

/** /logs <id> [task] [--task T] [--failed] [-f] */
export const logsCommand: SlashCommand = {
  name: 'logs',
  usage: '/logs <id> [task] [--failed] [-f]',
  summary: "show a job's output in time order, one task's, or the failed runs'; -f follows it (Ctrl+C stops)",
  argument: 'job',
  async run(args, session) {
    const { input, task, isFailedOnly, isFollowing } = parseLogsArguments(args);
    const { job, board, task: shown, transcript } = await session.service.openTranscript(input, { ...(task ? { task } : {}), isFailedOnly });
    const style: TranscriptStyle = { jobId: job.id, isTerminal: true, taskWidth: taskIdWidth(board.tasks), isColoured: true };
    const format = (lines: readonly TranscriptLine[]): string => lines.map((line) => formatTranscriptLine(line, style)).join('\n');
    if (shown && !board.runs.some((run) => run.taskId === shown.id)) {
      session.print(`${shown.id} of ${job.id} has not run yet (${shown.status}).`);
      if (!isFollowing) return;
    }
    const read: TranscriptLine[] = [];
    const { hasEarlier } = await transcript.read(board, LOG_TAIL_LINES, (lines) => void read.push(...lines));
    if (!isFollowing) read.push(...(await transcript.finish(board)));
    const outputCount = read.filter((line) => line.kind === 'output').length;
    if (read.length === 0 && !isFollowing) {
      session.print(describeNothing(job.id, job.status, shown?.id ?? null, isFailedOnly));
      return;
    }
    // The lines left out are in the full transcript, which the command line prints.
    if (hasEarlier) session.print(`… earlier lines: jobline logs ${job.id}${shown ? ` --task ${shown.id}` : isFailedOnly ? ' --failed' : ''}`);
    if (read.length > 0) session.print(format(read));
    if (shown && outputCount === 0 && !isFollowing) session.print('(no output)');
    if (!isFollowing) return;
    session.print(`Following ${shown ? `${shown.id} of ` : ''}${job.id} (Ctrl+C to stop)…`);
    // The job's output lines are what this prints: as notifications they would come again
    // once the follow ends.
    const unmute = session.muteOutputOf(job.id);
    try {
      await session.runForeground(async (signal, write) => {
        const hasEnded = await session.service.followTranscript(transcript, { signal, pollMs: FOLLOW_POLL_MS, onLines: (lines) => write(format(lines)) });
        const current = await session.service.get(job.id).catch(() => null);
        write(!hasEnded ? `Stopped following ${job.id}.` : shown && current && !isTerminalStatus(current.status) ? `${shown.id} has ended.` : `${job.id} is ${current?.status ?? 'gone'}.`);
      });
    } finally {
      unmute();
    }
  },
};

// The words after /logs: the job, a task (as a word or --task T), --failed, -f.
function parseLogsArguments(args: string): { input: string; task: string | null; isFailedOnly: boolean; isFollowing: boolean } {
  const words = args.split(/\s+/).filter(Boolean);
  let task: string | null = null;
  const rest: string[] = [];
  let isFailedOnly = false;
  let isFollowing = false;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '-f' || word === '--follow') isFollowing = true;
    else if (word === '--failed') isFailedOnly = true;
    else if (word === '--task' || word === '-t') task = words[++index] ?? null;
    else if (word.startsWith('-')) throw new UsageError('USAGE', `${USAGE} (unknown option ${word})`);
    else rest.push(word);
  }
  const [input, taskWord, ...extra] = rest;
  if (!input || extra.length > 0 || (taskWord && task)) throw new UsageError('USAGE', USAGE);
  task ??= taskWord ?? null;
  if (task && isFailedOnly) throw new UsageError('USAGE', 'Give a task or --failed, not both.');
  return { input, task, isFailedOnly, isFollowing };
}

// Why a view of a job's output is empty.
function describeNothing(id: string, status: string, taskId: string | null, isFailedOnly: boolean): string {
  if (isFailedOnly) return `${id} has no failed runs.`;
  if (taskId) return '(no output)';
  return status === 'completed' ? `${id} has no output on disk (only the newest maxCompletedJobs completed jobs keep their files).` : `${id} has printed nothing yet.`;
}
