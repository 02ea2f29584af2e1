// `/retry` of a job whose landing conflicted, on fakes: decided on the job as the folder holds it
// (a held job first takes the stored state); refused, saying what the job is, when it is not a
// completed job of a worktree in conflict, and when its agent cannot resolve; the target merged
// into the job's branch (the merge's own target, else the worktree's); a clean merge-in lands at
// once (a failed landing is the landing's to report); conflicts reopen the job at its resolve
// phase with the files as feedback, said to the session first.
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/agents/agent.js';
import type { Job, JobMerge, JobWorktree } from '../../../src/jobs/model/job.js';
import type { JobAction } from '../../../src/jobs/model/transitions.js';
import type { JobRepository } from '../../../src/jobs/ports/repository.js';
import type { WorktreePort } from '../../../src/jobs/ports/worktrees.js';
import { resolveConflict, type ConflictRetryDeps } from '../../../src/jobs/service/conflict-retry.js';
import type { JobHandle } from '../../../src/jobs/service/job-handle.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';

const FIXER = commandAgent('fixer', { run: 'true', resolve: 'git mergetool' });
const WORKTREE: JobWorktree = { path: '/wt/clash', branch: 'jobline/clash', base: 'a'.repeat(40), baseBranch: 'main', repository: '/work', snapshot: null, target: 'main', isolation: 'worktree' } as JobWorktree;
const CONFLICT: JobMerge = { status: 'conflict', target: 'dev', commit: null, conflicts: ['a.ts'], checkedCommit: null, landedAt: null };

function setUp(stored: Job, options: { agent?: AgentSpec; conflicts?: string[]; existing?: Job; isLandFailing?: boolean } = {}) {
  const calls: string[] = [];
  const committed: JobAction[][] = [];
  const handleOf = (job: Job) => ({
    id: job.id,
    job,
    agent: options.agent ?? FIXER,
    adoptStoredJob: (fromDisk: Job) => calls.push(`adoptStoredJob ${fromDisk.eventSeq}`),
    commit: async (actions: JobAction[]) => {
      calls.push('commit');
      committed.push(actions);
    },
  }) as unknown as JobHandle;
  const existing = options.existing ? handleOf(options.existing) : undefined;
  const store = {
    withJobClaim: async <T>(id: string, work: () => Promise<T>) => {
      calls.push(`claim ${id}`);
      const result = await work();
      calls.push('released');
      return result;
    },
    readForUpdate: () => ({ job: stored, modifiedAt: '2026-12-06T08:00:00.000Z' }),
    readBoard: async () => ({ board: { tasks: [], runs: [] }, isRecorded: true }),
  } as unknown as JobRepository;
  const port = {
    mergeTargetIn: async (worktree: JobWorktree, target: string) => {
      calls.push(`mergeIn ${target} into ${worktree.branch}`);
      return options.conflicts ?? [];
    },
  } as unknown as WorktreePort;
  const deps: ConflictRetryDeps = {
    store,
    port,
    now: () => '2026-12-06T08:01:00.000Z',
    existing,
    adopt: async (job) => {
      calls.push(`adopt ${job.id}`);
      return handleOf(job);
    },
    land: async (id) => {
      calls.push(`land ${id}`);
      if (options.isLandFailing) throw new Error('target moved');
      return stored;
    },
    willResolve: (id) => calls.push(`willResolve ${id}`),
  };
  return { deps, calls, committed, existing };
}

const conflicted = (extra: Partial<Job> = {}) => makeJob({ id: 'job-clash001', status: 'completed', worktree: WORKTREE, merge: CONFLICT, ...extra });

describe('resolveConflict', () => {
  it('reopens the job at its resolve phase with the conflicted files, said to the session first', async () => {
    const { deps, calls, committed } = setUp(conflicted(), { conflicts: ['a.ts', 'b.ts'] });
    const handle = await resolveConflict(deps, 'job-clash001', 'keep both');
    expect(handle.id).toBe('job-clash001');
    expect(calls).toEqual(['claim job-clash001', 'adopt job-clash001', 'mergeIn dev into jobline/clash', 'willResolve job-clash001', 'commit', 'released']);
    expect(committed).toEqual([[
      { type: 'setMerge', merge: { ...CONFLICT, conflicts: ['a.ts', 'b.ts'], step: 'merged-in', error: 'dev merged into jobline/clash: 2 files to resolve' } },
      { type: 'reopen', phase: 'resolve', feedback: 'Merging dev into this work conflicted in 2 files (conflict markers left in them):\na.ts\nb.ts\n\nkeep both' },
    ]]);
  });

  it('merges the worktree\'s target when the merge names none, and says one file', async () => {
    const { deps, calls, committed } = setUp(conflicted({ merge: { ...CONFLICT, target: null } }), { conflicts: ['a.ts'] });
    await resolveConflict(deps, 'job-clash001', null);
    expect(calls).toContain('mergeIn main into jobline/clash');
    expect(committed[0]![0]).toMatchObject({ merge: { error: 'main merged into jobline/clash: 1 file to resolve' } });
  });

  it('lands at once, after the claim, when the target merged in cleanly; a failed landing is not this retry\'s error', async () => {
    const { deps, calls, committed } = setUp(conflicted());
    expect((await resolveConflict(deps, 'job-clash001', null)).id).toBe('job-clash001');
    expect(calls).toEqual(['claim job-clash001', 'adopt job-clash001', 'mergeIn dev into jobline/clash', 'released', 'land job-clash001']);
    expect(committed).toEqual([]);
    const failing = setUp(conflicted(), { isLandFailing: true });
    expect((await resolveConflict(failing.deps, 'job-clash001', null)).id).toBe('job-clash001');
    expect(failing.calls.at(-1)).toBe('land job-clash001');
  });

  it('takes the stored state into a held job first, and decides on the held job', async () => {
    const { deps, calls } = setUp(conflicted({ eventSeq: 9 }), { existing: conflicted({ eventSeq: 9 }), conflicts: ['a.ts'] });
    await resolveConflict(deps, 'job-clash001', null);
    expect(calls.slice(0, 3)).toEqual(['claim job-clash001', 'adoptStoredJob 9', 'mergeIn dev into jobline/clash']);
    // A held job that is not in conflict is refused, whatever the folder says.
    const held = setUp(conflicted(), { existing: conflicted({ merge: { ...CONFLICT, status: 'landed' } }) });
    await expect(resolveConflict(held.deps, 'job-clash001', null)).rejects.toMatchObject({ code: 'JOB_NOT_RESOLVABLE', message: 'Cannot retry job-clash001: it is completed (its work: landed), neither awaiting approval nor in a merge conflict.' });
  });

  it('refuses a job that is not a completed job of a worktree in conflict, saying what it is, and changes nothing', async () => {
    const cases: Array<[Partial<Job>, string]> = [
      [{ worktree: null, merge: null }, 'it is completed'],
      [{ merge: null }, 'it is completed'],
      [{ merge: { ...CONFLICT, status: 'landed' } }, 'it is completed (its work: landed)'],
      [{ status: 'awaiting_approval' }, 'it is awaiting approval (its work: conflict)'],
    ];
    for (const [extra, what] of cases) {
      const { deps, calls } = setUp(conflicted(extra));
      await expect(resolveConflict(deps, 'job-clash001', null)).rejects.toMatchObject({ code: 'JOB_NOT_RESOLVABLE', message: `Cannot retry job-clash001: ${what}, neither awaiting approval nor in a merge conflict.` });
      expect(calls).toEqual(['claim job-clash001']);
    }
  });

  it('refuses a job whose agent cannot resolve, naming why, before merging anything', async () => {
    const { deps, calls } = setUp(conflicted(), { agent: commandAgent('two', { a: 'true' }) });
    await expect(resolveConflict(deps, 'job-clash001', null)).rejects.toMatchObject({ code: 'JOB_NOT_RESOLVABLE', message: expect.stringMatching(/^Cannot retry job-clash001: its agent two has no "resolve" phase/) });
    expect(calls).toEqual(['claim job-clash001', 'adopt job-clash001']);
  });
});
