// /batch FILE: one background job whose tasks are FILE's non-empty lines, run by the session's
// agent with the session's workers (as `jobline batch`): every line runs unless --fail-fast.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError, describeError } from '../../errors.js';
import { sanitizeLine } from '../../render/text.js';
import { describeBatch, parseBatchLines } from '../../commands/batch-input.js';
import type { SlashCommand } from '../session.js';

/** /batch FILE [--fail-fast] (--keep-going, the default, is accepted) */
export const batchCommand: SlashCommand = {
  name: 'batch',
  usage: '/batch <file> [--fail-fast]',
  summary: "run each line of a file as a task of one job (/workers sets how many at once)",
  argument: 'none',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    const isFailFast = words.includes('--fail-fast');
    const file = words.find((word) => !word.startsWith('--'));
    if (!file) throw new UsageError('USAGE', 'Usage: /batch <file> [--fail-fast]');
    let text: string;
    try {
      text = await readFile(resolve(session.cwd, file), 'utf8');
    } catch (error) {
      throw new UsageError('USAGE', `Cannot read ${sanitizeLine(file)}: ${describeError(error)}`, { cause: error });
    }
    const inputs = parseBatchLines(text);
    if (inputs.length === 0) {
      session.print(`${sanitizeLine(file)} has no lines to run.`);
      return;
    }
    await session.submit(describeBatch(inputs.length, file), { taskInputs: inputs, ...(isFailFast ? { keepGoing: false } : {}) });
  },
};
