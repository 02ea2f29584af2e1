// An LLM phase's retry in a git workspace (not in a worktree): the attempt's changes are undone
// before the retry runs, kept under a ref, recorded in the job and said; an undo that fails is said
// and the retry is told its files are as the attempt left them. The git commands themselves are
// replaced here (no processes in these tests; test/integration runs them on real repositories):
// `undoChanges` answers as the test says, with what it was asked recorded.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job, PhaseState, UndoneChange } from '../../../src/jobs/model/job.js';
import { PhaseWorkspace } from '../../../src/jobs/service/phase-workspace.js';
import { makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const undo = vi.hoisted(() => ({ answer: null as (() => Promise<{ files: number } | null>) | null, calls: [] as unknown[][] }));
vi.mock('../../../src/agents/workspace-restore.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/agents/workspace-restore.js')>()),
  undoChanges: (...args: unknown[]) => {
    undo.calls.push(args);
    return undo.answer!();
  },
}));

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const NOW = '2026-12-06T00:00:00.000Z';
const changes = (files: number): PhaseState['changes'] => ({ before: SHA_A, after: SHA_B, files: Array.from({ length: files }, (_, i) => ({ path: `f${i}`, added: 1, removed: 0 })), moreFiles: 0 });

// A job whose phase `build` is on its second attempt (a retry), with what the first left.
function retried(phase: Partial<PhaseState> = {}, job: Partial<Job> = {}): Job {
  const base = makeJob({ status: 'running', currentPhase: 0, pendingRetry: { keep: false }, ...job }, ['build']);
  return { ...base, phases: [{ ...base.phases[0]!, status: 'running', attempts: 2, output: 'first answer', changes: changes(2), ...phase }] };
}

function host() {
  const said: string[] = [];
  const recorded: UndoneChange[] = [];
  return { said, recorded, host: { recordUndone: async (undone: UndoneChange) => void recorded.push(undone), say: (icon: string, text: string) => void said.push(`${icon} ${text}`), now: () => NOW } };
}

// A folder in a git work tree, as far as jobline can tell (a `.git` above it).
function gitFolder(): string {
  const top = makeTempDir();
  mkdirSync(join(top, '.git'));
  mkdirSync(join(top, 'app'));
  return join(top, 'app');
}

const REF = 'refs/jobline/undone/job-abcd1234/build-1';

describe('PhaseWorkspace undoing a retried attempt in git', () => {
  beforeEach(() => {
    undo.calls.length = 0;
    undo.answer = null;
  });

  it('undoes the attempt\'s changes, keeps them under a ref, records the undo, and says how many files', async () => {
    const cwd = gitFolder();
    const { host: h, said, recorded } = host();
    undo.answer = async () => ({ files: 2 });
    const prepared = await new PhaseWorkspace(cwd, '/jobs').prepare(retried(), 0, false, true, h);
    expect(undo.calls).toEqual([[cwd, SHA_A, '/jobs', REF, 'jobline: job-abcd1234 build attempt 1, undone by its retry']]);
    expect(recorded).toEqual([{ attempt: 1, ref: REF, files: 2, at: NOW }]);
    expect(said).toEqual([`↩ Undid build attempt 1's changes to 2 files (kept as ${REF}); the retry starts from the files as they were before the phase`]);
    expect(prepared).toEqual({ baseline: SHA_A, previous: { output: 'first answer', changes: { before: SHA_A, after: SHA_B }, keep: false, undoneRef: REF } });
  });

  it('says "1 file" for one', async () => {
    const { host: h, said } = host();
    undo.answer = async () => ({ files: 1 });
    await new PhaseWorkspace(gitFolder(), null).prepare(retried(), 0, false, true, h);
    expect(said).toEqual([`↩ Undid build attempt 1's changes to 1 file (kept as ${REF}); the retry starts from the files as they were before the phase`]);
  });

  it('says and records nothing when there was nothing to undo (the files are as before the phase)', async () => {
    const { host: h, said, recorded } = host();
    undo.answer = async () => null;
    const prepared = await new PhaseWorkspace(gitFolder(), null).prepare(retried(), 0, false, true, h);
    expect([said, recorded]).toEqual([[], []]);
    expect(prepared.previous).toMatchObject({ keep: false, undoneRef: null });
  });

  it('says an undo that failed, and tells the retry the attempt\'s changes are still in the files', async () => {
    const { host: h, said, recorded } = host();
    undo.answer = async () => {
      throw new Error('git commit-tree failed: fatal: bad object');
    };
    const prepared = await new PhaseWorkspace(gitFolder(), null).prepare(retried(), 0, false, true, h);
    expect(said).toEqual(['⚠ Could not undo build\'s earlier changes (git commit-tree failed: fatal: bad object); the retry starts from the files as they are']);
    expect(recorded).toEqual([]);
    expect(prepared.previous).toMatchObject({ keep: true, undoneRef: null });
  });

  it('undoes nothing when the person kept the changes, when the attempt changed nothing, or outside git', async () => {
    const { host: h, said } = host();
    undo.answer = async () => ({ files: 2 });
    const kept = await new PhaseWorkspace(gitFolder(), null).prepare(retried({}, { pendingRetry: { keep: true } }), 0, false, true, h);
    const unchanged = await new PhaseWorkspace(gitFolder(), null).prepare(retried({ changes: changes(0) }), 0, false, true, h);
    const outside = await new PhaseWorkspace(makeTempDir(), null).prepare(retried(), 0, false, true, h);
    expect(undo.calls).toEqual([]);
    expect(said).toEqual([]);
    expect([kept.previous!.keep, unchanged.previous!.keep, outside.previous!.keep]).toEqual([true, false, false]);
  });
});
