// Landing a branch a crash left without its job: the worktree the landing acts on (the orphan's
// branch in its repository, its folder or a stand-in when the folder is gone) and the words of a
// landing the user's changes block.
import { describe, expect, it } from 'vitest';
import type { JobWorktree } from '../../../src/jobs/model/job.js';
import type { Candidate } from '../../../src/jobs/ports/worktrees.js';
import { landOrphan } from '../../../src/jobs/service/orphan-landing.js';
import { commitId, ScriptedWorktrees } from '../../helpers/scripted-worktrees.js';

// A port that also keeps the worktree each candidate was built from.
class BuildRecordingWorktrees extends ScriptedWorktrees {
  readonly builtFrom: JobWorktree[] = [];

  override async buildCandidate(worktree: JobWorktree, job: { id: string; name: string }, target: string, strategy: string, backupRef?: string): Promise<Candidate> {
    this.builtFrom.push(worktree);
    return super.buildCandidate(worktree, job, target, strategy, backupRef);
  }
}

const orphan = { repository: '/work', branch: 'jobline/lost', path: '/worktrees/lost', commits: 2, uncommitted: 0 };

describe('an orphan branch\'s landing', () => {
  it('builds from the orphan\'s branch in its repository, in its folder or a stand-in when that is gone', async () => {
    const port = new BuildRecordingWorktrees();
    await landOrphan(port, orphan);
    expect(port.builtFrom[0]).toEqual({ base: commitId(1), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree', path: '/worktrees/lost', branch: 'jobline/lost' });
    await landOrphan(port, { ...orphan, path: null });
    expect(port.builtFrom[1]).toMatchObject({ repository: '/work', path: '/work/.git/jobline-missing-worktree', branch: 'jobline/lost' });
  });

  it('blocked by the user\'s changes names ten of the files, comma-separated', async () => {
    const port = new ScriptedWorktrees();
    const files = Array.from({ length: 12 }, (_, index) => `f${index}.ts`);
    port.moves = [{ kind: 'blocked', files, checkout: '/work' }];
    expect(await landOrphan(port, orphan)).toBe(`jobline/lost not landed: your uncommitted changes to ${files.slice(0, 10).join(', ')} are in the way (commit or stash them). It is kept.`);
  });
});
