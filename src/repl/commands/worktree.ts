// The REPL's worktree commands: /isolation and /base for new jobs, /diff, /merge and /discard of
// a job's worktree work.
import chalk from 'chalk';
import { UsageError } from '../../errors.js';
import type { Isolation } from '../../jobs/model/job.js';
import { describeMerge } from '../../render/merge-status.js';
import { formatJobLabel } from '../../render/job-list.js';
import { sanitizeLine } from '../../render/text.js';
import { describeLoss } from '../../commands/worktree-cli.js';
import type { SlashCommand } from '../session.js';

/** /isolation [worktree|task-worktree|none|default] */
export const isolationCommand: SlashCommand = {
  name: 'isolation',
  usage: '/isolation [worktree|task-worktree|none|default]',
  summary: "where new jobs run: a git worktree of their own, or in place (default: their agent's, else the config's)",
  argument: 'none',
  run(args, session) {
    const typed = args.trim();
    if (typed !== '') {
      if (!['worktree', 'task-worktree', 'none', 'default'].includes(typed)) throw new UsageError('USAGE', `Usage: /isolation worktree|task-worktree|none|default (not ${JSON.stringify(sanitizeLine(typed))}).`);
      session.setIsolation(typed === 'default' ? null : (typed as Isolation));
    }
    session.print(`Isolation of new jobs: ${session.isolation ?? "the agent's, else the config's (build and debug: a worktree in a git repository)"}`);
  },
};

/** /base [head|worktree] */
export const baseCommand: SlashCommand = {
  name: 'base',
  usage: '/base [head|worktree]',
  summary: 'what new jobs in a worktree start from: your last commit (head), or with your uncommitted changes too (worktree; they never land)',
  argument: 'none',
  run(args, session) {
    const typed = args.trim();
    if (typed !== '') {
      if (typed !== 'head' && typed !== 'worktree') throw new UsageError('USAGE', `Usage: /base head|worktree (not ${JSON.stringify(sanitizeLine(typed))}).`);
      session.setBase(typed);
    }
    session.print(session.base === 'head' ? 'New worktrees start from your last commit (your uncommitted changes are left out).' : 'New worktrees start with your uncommitted changes too (they never land: only the job\'s own commits do).');
  },
};

/** /diff <id> [--stat] */
export const diffCommand: SlashCommand = {
  name: 'diff',
  usage: '/diff <id> [--stat]',
  summary: "a job's whole change in its worktree against where it started (in your pager; --stat: a diffstat)",
  argument: 'job',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    const id = words.find((word) => !word.startsWith('--'));
    if (!id) throw new UsageError('USAGE', 'Usage: /diff <id> [--stat]');
    const isStat = words.includes('--stat');
    const { job, text } = await session.service.diff(id, { isStat, isColour: session.isInteractive && chalk.level > 0 });
    if (text.trim() === '') return session.print(`${formatJobLabel(job)} has changed nothing.`);
    if (isStat) return session.print(text.trimEnd());
    await session.showPaged(text);
  },
};

/** /merge <id> */
export const mergeCommand: SlashCommand = {
  name: 'merge',
  usage: '/merge <id>',
  summary: "land a completed job's worktree work on its target branch (one landing at a time per repository)",
  argument: 'job',
  async run(args, session) {
    const input = args.trim();
    if (!input) throw new UsageError('USAGE', 'Usage: /merge <id>');
    const id = await session.service.resolve(input);
    session.adoptJob(id, 'answered');
    session.print(`⏳ Landing ${id}…`);
    const job = await session.service.dispatch({ type: 'merge', jobId: id });
    session.print(describeMerge(job, await session.service.whyCannotResolve(job)));
  },
};

/** /discard <id> [-y] */
export const discardCommand: SlashCommand = {
  name: 'discard',
  usage: '/discard <id> [-y]',
  summary: "remove a job's worktree and branch (its work not landed goes), after a confirmation",
  argument: 'job',
  async run(args, session) {
    const words = args.split(/\s+/).filter(Boolean);
    const input = words.find((word) => word !== '-y');
    if (!input) throw new UsageError('USAGE', 'Usage: /discard <id> [-y]');
    const { job, contents } = await session.service.inspectWorktree(input);
    const what = describeLoss(job, contents.commits, contents.uncommitted.length, contents.exists);
    if (!words.includes('-y')) {
      if (!session.isInteractive) throw new UsageError('USAGE', `Discarding ${job.id} removes ${what}. Not on a terminal, so /discard cannot ask: use /discard ${job.id} -y.`);
      if (!(await session.confirm(`Discard ${formatJobLabel(job)}? This removes ${what}.`, false))) return session.print('Kept.');
    }
    const discarded = await session.service.dispatch({ type: 'discard', jobId: job.id });
    session.print(`🗑  Discarded ${formatJobLabel(discarded)}: removed ${what}.`);
  },
};
