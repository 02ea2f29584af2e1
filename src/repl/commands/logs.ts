// /logs <id> [-f]: a job's output.log (its tail; the file may be huge), made inert for the
// terminal; -f follows it until Ctrl+C or the end of the job.
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { isTerminalStatus } from '../../jobs/job.js';
import { sanitizeText } from '../../render/text.js';
import type { SlashCommand } from '../session.js';

/** Most of a log shown at once, in bytes (the full file stays on disk). */
export const LOG_TAIL_BYTES = 64 * 1024;
const LOG_TAIL_LINES = 200;
const FOLLOW_POLL_MS = 200;

async function readRange(path: string, start: number, end: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

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
    const job = await session.catalog.get(input);
    const path = session.manager.store.pathsOf(job.id).output;
    let offset = (await sizeOf(path)) ?? 0;
    if (offset === 0 && !follow) {
      session.print(job.status === 'completed' ? `${job.id} has no output on disk (a completed job's files are removed unless debug.keepTempFiles is set).` : `${job.id} has printed nothing yet.`);
      return;
    }
    const start = Math.max(0, offset - LOG_TAIL_BYTES);
    const lines = sanitizeText(await readRange(path, start, offset)).split('\n');
    if (start > 0) lines.shift(); // the first line is probably cut
    if (lines.at(-1) === '') lines.pop();
    const shown = lines.slice(-LOG_TAIL_LINES);
    if (start > 0 || shown.length < lines.length) session.print(`… (earlier output in ${path})`);
    if (shown.length > 0) session.print(shown.join('\n'));
    if (!follow) return;
    session.print(`Following ${job.id} (Ctrl+C to stop)…`);
    await session.runForeground(async (signal, write) => {
      let partial = '';
      while (!signal.aborted) {
        const size = (await sizeOf(path)) ?? offset;
        if (size > offset) {
          const text = partial + sanitizeText(await readRange(path, offset, Math.min(size, offset + LOG_TAIL_BYTES)));
          offset = Math.min(size, offset + LOG_TAIL_BYTES);
          const pieces = text.split('\n');
          partial = pieces.pop() ?? '';
          if (pieces.length > 0) write(pieces.join('\n'));
          continue;
        }
        const current = await session.catalog.get(job.id).catch(() => null);
        if (!current || isTerminalStatus(current.status)) {
          if (partial) write(partial);
          write(`${job.id} is ${current?.status ?? 'gone'}.`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
      }
      if (signal.aborted) write(`Stopped following ${job.id}.`);
    });
  },
};
