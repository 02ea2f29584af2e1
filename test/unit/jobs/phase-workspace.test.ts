// A phase attempt's workspace as prepared before its runs (outside git here: nothing is
// snapshotted or undone, see test/integration for git): what an LLM phase's retry is told of the
// attempt before (its answer, its changes, whether they are still in the files, where they were
// kept), once per attempt whatever number of runs ask, and the baseline its changes count from.
import { describe, expect, it } from 'vitest';
import type { Job, PhaseState } from '../../../src/jobs/model/job.js';
import { PhaseWorkspace } from '../../../src/jobs/service/phase-workspace.js';
import { makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const changes = (files: number, moreFiles = 0): PhaseState['changes'] => ({ before: SHA_A, after: SHA_B, files: Array.from({ length: files }, (_, i) => ({ path: `f${i}`, added: 1, removed: 0 })), moreFiles });

// A job whose first phase is on its second attempt (a retry), with what the first left.
function retried(phase: Partial<PhaseState>, job: Partial<Job> = {}): Job {
  const base = makeJob({ status: 'running', currentPhase: 0, pendingRetry: { keep: false }, ...job }, ['build']);
  return { ...base, phases: [{ ...base.phases[0]!, status: 'running', attempts: 2, output: 'first answer', changes: changes(2), ...phase }] };
}

function host() {
  const said: string[] = [];
  return { said, host: { recordUndone: async () => {}, say: (icon: string, text: string) => void said.push(`${icon} ${text}`), now: () => '2026-12-06T00:00:00.000Z' } };
}

describe('PhaseWorkspace', () => {
  it('tells an LLM phase\'s retry its first answer and changes; kept when asked, when tasks of it failed, or when nothing could undo them', async () => {
    const cwd = makeTempDir();
    const { host: h, said } = host();
    const plain = await new PhaseWorkspace(cwd, null).prepare(retried({}), 0, false, true, h);
    expect(plain).toEqual({ baseline: SHA_A, previous: { output: 'first answer', changes: { before: SHA_A, after: SHA_B }, keep: false, undoneRef: null } });
    expect((await new PhaseWorkspace(cwd, null).prepare(retried({}, { pendingRetry: { keep: true } }), 0, false, true, h)).previous!.keep).toBe(true);
    expect((await new PhaseWorkspace(cwd, null).prepare(retried({ failedTasks: 1 }), 0, false, true, h)).previous!.keep).toBe(true);
    expect(said).toEqual([]);
  });

  it('in a worktree names the ref its rolled-back attempt was kept under; changes not rolled back are still in the files', async () => {
    const cwd = makeTempDir();
    const worktree = { path: cwd, branch: 'jobline/x', base: SHA_A, baseBranch: 'main', repository: '/r', snapshot: null, target: 'main', isolation: 'worktree' as const };
    const { host: h } = host();
    const rolledBack = retried({ undone: [{ attempt: 1, ref: 'refs/jobline/attempts/job/build/1', files: 2, at: 'x' }] }, { worktree });
    expect((await new PhaseWorkspace(cwd, null).prepare(rolledBack, 0, false, true, h)).previous).toEqual({ output: 'first answer', changes: { before: SHA_A, after: SHA_B }, keep: false, undoneRef: 'refs/jobline/attempts/job/build/1' });
    const inPlace = retried({ undone: [{ attempt: 7, ref: 'refs/other', files: 1, at: 'x' }] }, { worktree });
    expect((await new PhaseWorkspace(cwd, null).prepare(inPlace, 0, false, true, h)).previous).toMatchObject({ keep: true, undoneRef: null });
    // Nothing changed: nothing left in the files.
    const unchanged = retried({ changes: changes(0) }, { worktree });
    expect((await new PhaseWorkspace(cwd, null).prepare(unchanged, 0, false, true, h)).previous).toMatchObject({ keep: false, undoneRef: null });
    const counted = retried({ changes: changes(0, 3) }, { worktree });
    expect((await new PhaseWorkspace(cwd, null).prepare(counted, 0, false, true, h)).previous).toMatchObject({ keep: true });
  });

  it('tells nothing of an attempt before to a first attempt, a command agent, a phase not current, or a run without a retry', async () => {
    const cwd = makeTempDir();
    const { host: h } = host();
    const workspace = () => new PhaseWorkspace(cwd, null);
    expect((await workspace().prepare(retried({ attempts: 1 }), 0, false, true, h)).previous).toBeNull();
    expect((await workspace().prepare(retried({}), 0, false, false, h)).previous).toBeNull();
    expect((await workspace().prepare(retried({}, { currentPhase: 1 }), 0, false, true, h)).previous).toBeNull();
    expect((await workspace().prepare(retried({}, { pendingRetry: null }), 0, false, true, h)).previous).toBeNull();
  });

  it('prepares an attempt once, whatever number of runs ask; a phase without changes yet counts from none outside git', async () => {
    const cwd = makeTempDir();
    const { host: h } = host();
    const workspace = new PhaseWorkspace(cwd, null);
    const job = retried({ changes: null });
    const first = workspace.prepare(job, 0, true, true, h);
    expect(workspace.prepare(job, 0, true, true, h)).toBe(first);
    expect(await first).toEqual({ baseline: null, previous: { output: 'first answer', changes: null, keep: false, undoneRef: null } });
    // The next attempt is prepared anew.
    const next = { ...job, phases: [{ ...job.phases[0]!, attempts: 3 }] };
    expect(workspace.prepare(next, 0, true, true, h)).not.toBe(first);
  });
});
