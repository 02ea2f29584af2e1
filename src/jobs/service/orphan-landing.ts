// Landing a branch a crash left without its job (`jobline/<name>` found at startup): the same
// steps as the merge queue's (candidate, backup ref, the target moved through its checkout or by
// compare-and-swap, under the repository's landing turn), with nothing to record them in.
import type { JobWorktree } from '../model/job.js';
import type { OrphanWorktree, WorktreePort } from '../ports/worktrees.js';

/** Lands `orphan`'s branch (see the header); returns what happened, in a sentence. @throws WorktreeError. */
export async function landOrphan(port: WorktreePort, orphan: OrphanWorktree): Promise<string> {
  const { worktree: planned } = await port.plan(orphan.repository, 'head', 'worktree');
  const target = planned.target;
  if (!target) return `${orphan.branch} not landed: there is no branch checked out to land it on (set merge.target).`;
  const worktree: JobWorktree = { ...planned, path: orphan.path ?? `${orphan.repository}/.git/jobline-missing-worktree`, branch: orphan.branch, snapshot: null };
  const id = orphan.branch.replace(/\//g, '-');
  return port.withLandingTurn(worktree, id, () => {}, async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const candidate = await port.buildCandidate(worktree, { id, name: orphan.branch }, target, port.settings.merge.strategy);
      if (candidate.kind === 'nothing') return `${orphan.branch} has nothing ${target} does not have.`;
      if (candidate.kind === 'conflict') return `${orphan.branch} not landed: it conflicts with ${target} in ${candidate.files.slice(0, 10).join(', ')}. It is kept.`;
      await port.writeBackup(worktree, id, candidate.oldTarget);
      const move = await port.moveTarget(worktree, target, candidate.oldTarget, candidate.commit, `jobline: land ${orphan.branch}`);
      if (move.kind === 'landed') return `Landed ${orphan.branch} on ${target} at ${candidate.commit.slice(0, 12)}.`;
      if (move.kind === 'blocked') return `${orphan.branch} not landed: your uncommitted changes to ${move.files.slice(0, 10).join(', ')} are in the way (commit or stash them). It is kept.`;
    }
    return `${orphan.branch} not landed: ${target} kept moving. It is kept.`;
  });
}
