// `jobline logs ID [-f]`: a job's output.log as written (headers per phase included); with -f it
// follows the log until the job ends.
import { isTerminalStatus } from '../jobs/model/job.js';
import { formatLogLines } from '../render/log-lines.js';
import type { AppContext } from './context.js';

/** Options of `jobline logs`. */
export interface LogsOptions {
  follow?: boolean;
}

/**
 * Prints job `idOrPrefix`'s output to stdout (made inert when stdout is a terminal); with
 * `follow`, keeps printing until the job ends. Returns 0.
 * @throws JobLookupError; StoreError.
 */
export async function logsCommand(context: AppContext, idOrPrefix: string, options: LogsOptions): Promise<number> {
  const id = await context.jobs.resolve(idOrPrefix);
  const write = (lines: string[]): void => void process.stdout.write(`${formatLogLines(lines, Boolean(process.stdout.isTTY))}\n`);
  const isEnded = async (): Promise<boolean> => {
    if (!options.follow) return true;
    const job = await context.jobs.get(id).catch(() => null);
    return !job || isTerminalStatus(job.status);
  };
  await context.jobs.followOutput(id, { onLines: write, isEnded, pollMs: 200 });
  return 0;
}

