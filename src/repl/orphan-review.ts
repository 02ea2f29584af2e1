// The review of worktrees left by a crash, at startup: job worktrees whose job folder is gone and
// `jobline/*` branches whose worktree is gone, each with the work it holds; the user keeps, lands
// or discards each (discarding asks first, saying what goes). Nothing is removed unasked.
import chalk from 'chalk';
import { askYesNo } from '../commands/keyed-select.js';
import { describeError } from '../errors.js';
import type { OrphanWorktree } from '../jobs/ports/worktrees.js';
import type { JobService } from '../jobs/service/job-service.js';
import { sanitizeLine } from '../render/text.js';
import type { Terminal } from './terminal.js';

/** One line on what an orphan holds. */
export function describeOrphan(orphan: OrphanWorktree): string {
  const where = orphan.path ? `worktree ${sanitizeLine(orphan.path)}` : 'no worktree';
  return `${sanitizeLine(orphan.branch)} (${where}): ${orphan.commits} commit${orphan.commits === 1 ? '' : 's'} on no other branch, ${orphan.uncommitted} uncommitted file${orphan.uncommitted === 1 ? '' : 's'}`;
}

/** Lists the orphans and asks about each (on a terminal; else it only lists them). Never throws. */
export async function reviewOrphans(context: { service: JobService; terminal: Terminal; print: (text: string) => void; isInteractive: boolean }): Promise<void> {
  const { service, terminal, print } = context;
  const orphans = await service.findOrphanWorktrees().catch(() => []);
  if (orphans.length === 0) return;
  print(chalk.yellow(`⚠️  Found ${orphans.length} job worktree(s) or branch(es) without their job (left by a crash):`));
  for (const orphan of orphans) print(`  ${describeOrphan(orphan)}`);
  if (!context.isInteractive) {
    print(chalk.dim('  Kept. Start jobline on a terminal to land or discard them.'));
    return;
  }
  for (const orphan of orphans) {
    for (;;) {
      // One key answers, as in the approval box; Enter keeps.
      const answer = await terminal.askKey(`${sanitizeLine(orphan.branch)}: ${chalk.bold('[k]')}eep (Enter), ${chalk.bold('[l]')}and, ${chalk.bold('[d]')}iscard: `, ['k', 'l', 'd'], 'k');
      try {
        if (answer === 'k') break;
        if (answer === 'l') {
          print(await service.landOrphan(orphan));
          break;
        }
        if (answer === 'd') {
          const isSure = await terminal.suspend(() => askYesNo(`Discard ${orphan.branch}? Its ${orphan.commits} commit(s) and ${orphan.uncommitted} uncommitted file(s) go.`, false, process.stdout));
          if (!isSure) continue;
          await service.removeOrphan(orphan);
          print(`🗑  Discarded ${sanitizeLine(orphan.branch)}.`);
          break;
        }
        print('Please answer k, l or d.');
      } catch (error) {
        print(chalk.red(`${sanitizeLine(orphan.branch)}: ${describeError(error)}`));
        break;
      }
    }
  }
}
