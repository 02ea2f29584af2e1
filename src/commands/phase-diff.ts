// What the approval question shows in the pager: the full diff of what the phase awaiting approval
// changed (`d`), and its whole answer (`o`).
import chalk from 'chalk';
import { readFullDiff } from '../agents/workspace-snapshot.js';
import type { Job } from '../jobs/model/job.js';
import { showInPager } from './pager.js';
import { sanitizeText } from '../render/text.js';

/**
 * Returns what `o` does for `job` (awaiting approval): its current phase's whole answer, as
 * `readAnswer` gives it (made inert), in the pager. Undefined when the phase gave none.
 */
export function createAnswerViewer(job: Job, readAnswer: () => Promise<string | null>, output: NodeJS.WriteStream, scrub: (text: string) => string = (text) => text): (() => Promise<void>) | undefined {
  if (!job.phases[job.currentPhase]?.output || job.budgetStop) return undefined;
  return async () => {
    const answer = await readAnswer();
    await showInPager(`${scrub(sanitizeText(answer ?? '(the answer is no longer available)', { keepColours: true }))}\n`, output);
  };
}

/**
 * Returns what `d` does for `job` (awaiting approval; its workspace is `cwd`): the diff of its
 * current phase, through `scrub`, in the pager. Undefined when the phase changed nothing (or not in git).
 */
export function createDiffViewer(job: Job, cwd: string, output: NodeJS.WriteStream, scrub: (text: string) => string = (text) => text): (() => Promise<void>) | undefined {
  const changes = job.phases[job.currentPhase]?.changes;
  if (!changes || changes.files.length + changes.moreFiles === 0) return undefined;
  return async () => {
    // A file's content may hold a key: the diff passes the scrubber like every other text shown.
    const diff = readFullDiff(cwd, changes, Boolean(output.isTTY) && chalk.level > 0);
    await showInPager(diff === null ? 'The diff is no longer available: git has pruned the snapshots it was made from.\n' : scrub(diff), output);
  };
}
