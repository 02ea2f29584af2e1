// /workers [N]: how many tasks of a new job run at once (jobs already submitted keep theirs).
import { UsageError } from '../../errors.js';
import { MAX_WORKERS } from '../../jobs/model/job.js';
import type { SlashCommand } from '../session.js';

/** /workers [N | default] */
export const workersCommand: SlashCommand = {
  name: 'workers',
  usage: '/workers [N | default]',
  summary: 'how many tasks of a new job run at once (default: the agent\'s, else 1)',
  argument: 'none',
  run(args, session) {
    const typed = args.trim().toLowerCase();
    if (typed === '') {
      session.print(`Workers: ${session.workers ?? 'the agent\'s (else 1)'} per new job; /workers N changes it.`);
      return;
    }
    if (typed === 'default') {
      session.setWorkers(null);
      session.print('Workers: the agent\'s (else 1) per new job');
      return;
    }
    const count = /^\d{1,3}$/.test(typed) ? Number(typed) : Number.NaN;
    if (!(count >= 1 && count <= MAX_WORKERS)) throw new UsageError('USAGE', `Usage: /workers N, a whole number from 1 to ${MAX_WORKERS} (or /workers default).`);
    session.setWorkers(count);
    session.print(`Workers: ${count} per new job (its tasks run ${count} at once)`);
  },
};
