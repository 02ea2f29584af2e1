// What each job action leaves behind, exactly: the job's fields a caller reads next (statuses,
// errors, commits, output files, merges, workers) and the events it logs, case by case.
import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../../src/errors.js';
import { createJob, type Job, type JobMerge, type JobWorktree, type PhaseState } from '../../../src/jobs/model/job.js';
import { transitionJob, transitionJobThrough, type JobAction } from '../../../src/jobs/model/transitions.js';

const T0 = '2026-11-22T10:00:00.000Z';
const T = '2026-11-22T10:05:00.000Z';
const OWNER = { pid: 4242, hostname: 'box', processStartedAt: T0 };
const WORKTREE: JobWorktree = { path: '/repo-jobs/fix', branch: 'jobline/fix', base: 'a'.repeat(40), baseBranch: 'main', repository: '/repo', snapshot: null, target: 'main', isolation: 'worktree' };

function newJob(overrides: Partial<Job> = {}, phaseNames: string[] = ['a', 'b']): Job {
  return { ...createJob({ id: 'job-abcd1234', agent: 'build', description: 'fix it', mode: 'interactive', phaseNames, owner: OWNER, now: T0 }), ...overrides };
}
const through = (job: Job, actions: JobAction[]): Job => transitionJobThrough(job, actions, T0).job;
const running = (overrides: Partial<Job> = {}, phaseNames?: string[]): Job => through(newJob(overrides, phaseNames), [{ type: 'start' }, { type: 'startPhase' }]);
/** A job with its current phase `index` running, the ones before it completed. */
function runningAt(index: number, overrides: Partial<Job> = {}, phaseNames?: string[]): Job {
  const job = newJob({ mode: 'background', ...overrides }, phaseNames);
  const phases = job.phases.map((p, i): PhaseState => (i < index ? { ...p, status: 'completed', attempts: 1, startedAt: T0, endedAt: T0, output: 'done' } : p));
  return through({ ...job, phases, currentPhase: index }, [{ type: 'start' }, { type: 'startPhase' }]);
}
const phaseKeys = (phase: PhaseState | undefined): string[] => Object.keys(phase ?? {}).sort();
function refusal(job: Job, action: JobAction): string {
  try {
    transitionJob(job, action, T);
  } catch (error) {
    expect(error).toBeInstanceOf(TransitionError);
    expect((error as TransitionError).code).toBe('ILLEGAL_TRANSITION');
    return (error as Error).message;
  }
  throw new Error(`${action.type} was allowed`);
}

describe('completePhase', () => {
  it('keeps a commit recorded earlier when this completion brings none, and records one it brings', () => {
    const job = running();
    const withOld = { ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, commit: 'c0ffee' } : p)) };
    expect(transitionJob(withOld, { type: 'completePhase', output: 'ok' }, T).job.phases[0]!.commit).toBe('c0ffee');
    expect(transitionJob(withOld, { type: 'completePhase', output: 'ok', commit: 'beef' }, T).job.phases[0]!.commit).toBe('beef');
    expect(transitionJob(withOld, { type: 'completePhase', output: 'ok', commit: null }, T).job.phases[0]!.commit).toBeNull();
    expect(phaseKeys(transitionJob(job, { type: 'completePhase', output: 'ok' }, T).job.phases[0])).not.toContain('commit');
  });

  it('names the whole answer file when the output was cut, and forgets an earlier one when it was not', () => {
    const job = running();
    const cut = transitionJob(job, { type: 'completePhase', output: 'start … end', outputFile: 'answers/p1-a1.md' }, T).job;
    expect(cut.phases[0]!.outputFile).toBe('answers/p1-a1.md');
    const withOld = { ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, outputFile: 'answers/p1-a0.md' } : p)) };
    expect(phaseKeys(transitionJob(withOld, { type: 'completePhase', output: 'short' }, T).job.phases[0])).not.toContain('outputFile');
  });

  it('asks an interactive job about the failed tasks of a middle phase, naming the phase', () => {
    const { job, events } = transitionJob(running(), { type: 'completePhase', output: 'ok', failedInPhase: 2, failedTasks: 2 }, T);
    expect(job).toMatchObject({ status: 'awaiting_approval', hasPendingApproval: true, currentPhase: 0 });
    expect(job.phases[0]!.failedTasks).toBe(2);
    expect(events).toEqual([{ ts: T, type: 'phase_completed', phase: 'a' }, { ts: T, type: 'approval_requested', phase: 'a' }]);
  });

  it('does not ask a background job about failed tasks: a middle phase goes on, the last one fails the job', () => {
    const middle = transitionJob(running({ mode: 'background' }), { type: 'completePhase', output: 'ok', failedInPhase: 1, failedTasks: 1 }, T);
    expect(middle.job).toMatchObject({ status: 'running', currentPhase: 1, hasPendingApproval: false });
    expect(phaseKeys(middle.job.phases[0])).not.toContain('failedTasks');
    expect(middle.events).toEqual([{ ts: T, type: 'phase_completed', phase: 'a' }]);
    const last = transitionJob(runningAt(1), { type: 'completePhase', output: 'ok', failedInPhase: 1, failedTasks: 3 }, T);
    expect(last.job).toMatchObject({ status: 'failed', endedAt: T, error: '3 tasks failed' });
    expect(last.events).toEqual([{ ts: T, type: 'phase_completed', phase: 'b' }, { ts: T, type: 'failed', error: '3 tasks failed' }]);
    const one = transitionJob(runningAt(1), { type: 'completePhase', output: 'ok', failedTasks: 1 }, T);
    expect(one.events[1]).toEqual({ ts: T, type: 'failed', error: '1 task failed' });
  });

  it('completes a background job in a worktree at its last phase, marking its commits ready to land', () => {
    const { job, events } = transitionJob(runningAt(1, { worktree: WORKTREE }), { type: 'completePhase', output: 'ok', commit: 'c1' }, T);
    expect(job).toMatchObject({ status: 'completed', endedAt: T, error: null });
    expect(job.merge).toEqual({ status: 'ready', target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null });
    expect(events).toEqual([{ ts: T, type: 'phase_completed', phase: 'b' }, { ts: T, type: 'completed' }, { ts: T, type: 'merge', status: 'ready' }]);
  });
});

describe('markReady: which completed jobs have work to land', () => {
  const complete = (overrides: Partial<Job>, commit: string | null): Job => transitionJob(runningAt(1, overrides), { type: 'completePhase', output: 'ok', commit }, T).job;
  const merge = (status: JobMerge['status'], target: string | null = 'release'): JobMerge => ({ status, target, commit: 'abc', conflicts: ['x.ts'], checkedCommit: null, landedAt: null });

  it('no worktree, or a worktree without commits: nothing to land', () => {
    expect(complete({}, 'c1').merge).toBeUndefined();
    expect(complete({ worktree: WORKTREE }, null).merge).toBeUndefined();
  });

  it('a commit in any phase is enough, even when the last phase made none', () => {
    const job = runningAt(1, { worktree: WORKTREE });
    const earlier = { ...job, phases: job.phases.map((p, i) => (i === 0 ? { ...p, commit: 'c0' } : p)) };
    expect(transitionJob(earlier, { type: 'completePhase', output: 'ok', commit: null }, T).job.merge?.status).toBe('ready');
  });

  it('keeps a landing that is settled (landed, discarded), and resets any other to ready on the same target', () => {
    expect(complete({ worktree: WORKTREE, merge: merge('landed') }, 'c1').merge).toEqual(merge('landed'));
    expect(transitionJob(runningAt(1, { worktree: WORKTREE, merge: merge('landed') }), { type: 'completePhase', output: 'ok', commit: 'c1' }, T).events.map((e) => e.type)).toEqual(['phase_completed', 'completed']);
    expect(complete({ worktree: WORKTREE, merge: merge('discarded') }, 'c1').merge).toEqual(merge('discarded'));
    expect(complete({ worktree: WORKTREE, merge: merge('conflict') }, 'c1').merge).toEqual({ status: 'ready', target: 'release', commit: null, conflicts: [], checkedCommit: null, landedAt: null });
    expect(complete({ worktree: WORKTREE, merge: merge('conflict', null) }, 'c1').merge?.target).toBe('main');
  });
});

describe('task actions of the running phase', () => {
  it('takeRun and waitRun change nothing in the job (the board records them), even between phases', () => {
    // Between phases (a background job after a completion) a late report of a run must not fail.
    const between = transitionJob(running({ mode: 'background' }), { type: 'completePhase', output: 'ok' }, T).job;
    for (const job of [running(), between]) {
      for (const action of [{ type: 'takeRun', taskId: '1', host: 'h' }, { type: 'waitRun', taskId: '1', labels: ['gpu'] }] as JobAction[]) {
        expect(transitionJob(job, action, T)).toEqual({ job, events: [] });
      }
    }
    expect(refusal(between, { type: 'completeTask', taskId: '1', output: 'ok' })).toBe('Cannot completeTask phase b that is pending (job-abcd1234).');
  });

  it('a task that ends with instructions gives them to the job; one without keeps the job\'s', () => {
    const job = { ...running(), instructions: 'old rules' };
    expect(transitionJob(job, { type: 'completeTask', taskId: '1', output: 'ok', instructions: 'new rules' }, T).job.instructions).toBe('new rules');
    expect(transitionJob(job, { type: 'failTask', taskId: '1', error: 'x', instructions: 'newer' }, T).job.instructions).toBe('newer');
    expect(transitionJob(job, { type: 'completeTask', taskId: '1', output: 'ok' }, T).job.instructions).toBe('old rules');
    expect(transitionJob(job, { type: 'failTask', taskId: '1', error: 'x' }, T).job.instructions).toBe('old rules');
    expect(transitionJob(job, { type: 'startTask', taskId: '2', worker: 0 }, T).job.instructions).toBe('old rules');
    const plain = running();
    expect(Object.keys(transitionJob(plain, { type: 'completeTask', taskId: '1', output: 'ok' }, T).job)).not.toContain('instructions');
  });
});

describe('failPhase', () => {
  it('keeps the phase\'s output and its file when the failure brings no output, and replaces both when it does', () => {
    const base = running();
    const job = { ...base, phases: base.phases.map((p, i) => (i === 0 ? { ...p, output: 'cut …', outputFile: 'answers/p1-a1.md' } : p)) };
    const kept = transitionJob(job, { type: 'failPhase', error: 'boom' }, T).job.phases[0]!;
    expect(kept).toMatchObject({ status: 'failed', output: 'cut …', outputFile: 'answers/p1-a1.md', error: 'boom', endedAt: T });
    const replaced = transitionJob(job, { type: 'failPhase', error: 'boom', output: 'new …', outputFile: 'answers/p1-a2.md' }, T).job.phases[0]!;
    expect(replaced).toMatchObject({ output: 'new …', outputFile: 'answers/p1-a2.md' });
    expect(phaseKeys(transitionJob(job, { type: 'failPhase', error: 'boom', output: 'whole' }, T).job.phases[0])).not.toContain('outputFile');
  });
});

describe('recordUndone', () => {
  const undone = { attempt: 1, ref: 'refs/jobline/undone/job-abcd1234/a-1', files: 2, at: T };

  it('adds to the named phase, or to the current one, and logs nothing', () => {
    const job = runningAt(1);
    const named = transitionJob(job, { type: 'recordUndone', undone, phase: 0 }, T);
    expect(named.events).toEqual([]);
    expect(named.job.phases[0]!.undone).toEqual([undone]);
    expect(named.job.phases[1]!.undone).toBeUndefined();
    const current = transitionJob(named.job, { type: 'recordUndone', undone: { ...undone, attempt: 2 } }, T);
    expect(current.job.phases[1]!.undone).toEqual([{ ...undone, attempt: 2 }]);
    expect(transitionJob(current.job, { type: 'recordUndone', undone: { ...undone, attempt: 3 }, phase: 0 }, T).job.phases[0]!.undone).toEqual([undone, { ...undone, attempt: 3 }]);
  });

  it('ignores a phase the job does not have', () => {
    const job = runningAt(1);
    expect(transitionJob(job, { type: 'recordUndone', undone, phase: 7 }, T)).toEqual({ job, events: [] });
  });
});

describe('approve', () => {
  const waiting = (overrides: Partial<Job> = {}, phaseNames?: string[]): Job => transitionJob(running(overrides, phaseNames), { type: 'completePhase', output: 'ok', commit: 'c1' }, T).job;

  it('records the commit it brings and keeps the phase\'s own otherwise', () => {
    expect(transitionJob(waiting(), { type: 'approve' }, T).job.phases[0]!.commit).toBe('c1');
    expect(transitionJob(waiting(), { type: 'approve', commit: 'c2' }, T).job.phases[0]!.commit).toBe('c2');
    expect(transitionJob(waiting(), { type: 'approve', commit: null }, T).job.phases[0]!.commit).toBeNull();
  });

  it('approving the last phase completes the job and marks its work ready', () => {
    const { job, events } = transitionJob(waiting({ worktree: WORKTREE }, ['only']), { type: 'approve' }, T);
    expect(job).toMatchObject({ status: 'completed', endedAt: T, error: null, hasPendingApproval: false });
    expect(events).toEqual([{ ts: T, type: 'approved', phase: 'only' }, { ts: T, type: 'completed' }, { ts: T, type: 'merge', status: 'ready' }]);
  });

  it('going on after a last phase with failed tasks fails the job, counting them', () => {
    const asked = (failed: number): Job => transitionJob(running({}, ['only']), { type: 'completePhase', output: 'ok', failedInPhase: failed, failedTasks: failed }, T).job;
    const { job, events } = transitionJob(asked(2), { type: 'approve' }, T);
    expect(job).toMatchObject({ status: 'failed', endedAt: T, error: '2 tasks failed', hasPendingApproval: false });
    expect(events).toEqual([{ ts: T, type: 'approved', phase: 'only' }, { ts: T, type: 'failed', error: '2 tasks failed' }]);
    expect(transitionJob(asked(1), { type: 'approve' }, T).job.error).toBe('1 task failed');
  });

  it('a middle phase with failed tasks goes on to the next phase', () => {
    const asked = transitionJob(running(), { type: 'completePhase', output: 'ok', failedInPhase: 1, failedTasks: 1 }, T).job;
    const { job, events } = transitionJob(asked, { type: 'approve' }, T);
    expect(job).toMatchObject({ status: 'queued', currentPhase: 1, hasPendingApproval: false });
    expect(events).toEqual([{ ts: T, type: 'approved', phase: 'a' }, { ts: T, type: 'queued' }]);
  });
});

describe('retry', () => {
  const waiting = (): Job => transitionJob(running(), { type: 'completePhase', output: 'ok' }, T).job;

  it('queues the phase again, pending, with its feedback and whether to keep its changes', () => {
    const { job, events } = transitionJob(waiting(), { type: 'retry', feedback: 'shorter', keep: true }, T);
    expect(job).toMatchObject({ status: 'queued', hasPendingApproval: false, pendingFeedback: 'shorter', pendingRetry: { keep: true } });
    expect(job.phases[0]!.status).toBe('pending');
    expect(events).toEqual([{ ts: T, type: 'retried', phase: 'a', feedback: 'shorter' }, { ts: T, type: 'queued' }]);
    expect(transitionJob(waiting(), { type: 'retry', feedback: null }, T).job.pendingRetry).toEqual({ keep: false });
    expect(transitionJob(waiting(), { type: 'retry', feedback: null, keep: false }, T).job.pendingRetry).toEqual({ keep: false });
    expect(transitionJob(waiting(), { type: 'retry', feedback: null }, T).events[0]).toEqual({ ts: T, type: 'retried', phase: 'a' });
  });

  it('is refused while the job is stopped at its budget', () => {
    const stopped: Job = { ...waiting(), budgetStop: { reason: 'budget reached', at: T } };
    expect(refusal(stopped, { type: 'retry', feedback: null })).toBe('Cannot retry a job stopped at its budget (continue or cancel it) (job-abcd1234).');
  });
});

describe('resume', () => {
  // A job in a worktree whose last phase completed and waited for approval, then was interrupted.
  const unapproved = (): Job => {
    const asked = transitionJob(runningAt(1, { mode: 'interactive', worktree: WORKTREE }), { type: 'completePhase', output: 'ok', commit: 'c1' }, T).job;
    return transitionJob(asked, { type: 'interrupt', reason: 'jobline exited' }, T).job;
  };

  it('in background mode approves an unapproved last phase: the job completes and its work is ready', () => {
    const job = unapproved();
    expect(job).toMatchObject({ status: 'interrupted', hasPendingApproval: true });
    const resumed = transitionJob(job, { type: 'resume', mode: 'background' }, T);
    expect(resumed.job).toMatchObject({ status: 'completed', mode: 'background', endedAt: T, error: null, hasPendingApproval: false });
    expect(resumed.job.merge?.status).toBe('ready');
    expect(resumed.events).toEqual([
      { ts: T, type: 'resumed', phase: 'b', mode: 'background' },
      { ts: T, type: 'approved', phase: 'b' },
      { ts: T, type: 'completed' },
      { ts: T, type: 'merge', status: 'ready' },
    ]);
  });

  it('in interactive mode asks about it again', () => {
    const resumed = transitionJob(unapproved(), { type: 'resume', mode: 'interactive' }, T);
    expect(resumed.job).toMatchObject({ status: 'awaiting_approval', mode: 'interactive', endedAt: null, error: null, hasPendingApproval: true });
    expect(resumed.events).toEqual([{ ts: T, type: 'resumed', phase: 'b', mode: 'interactive' }, { ts: T, type: 'approval_requested', phase: 'b' }]);
  });

  it('refuses a job whose phases all completed with nothing waiting for approval', () => {
    const done: Job = { ...unapproved(), hasPendingApproval: false };
    const message = `Cannot resume a job whose phases all completed, with no task left to run (job-abcd1234).`;
    expect(refusal(done, { type: 'resume', mode: 'background' })).toBe(message);
    expect(refusal(done, { type: 'resume', mode: 'interactive' })).toBe(message);
  });

  it('queues a failed job at its first open phase, which keeps its status until it starts; a model given replaces the job\'s', () => {
    const failed = transitionJob(runningAt(1, { model: 'small' }), { type: 'failPhase', error: 'boom' }, T).job;
    const { job, events } = transitionJob(failed, { type: 'resume', mode: 'interactive' }, T);
    expect(job).toMatchObject({ status: 'queued', currentPhase: 1, mode: 'interactive', endedAt: null, error: null, hasPendingApproval: false, model: 'small' });
    expect(job.phases.map((p) => p.status)).toEqual(['completed', 'failed']);
    expect(events).toEqual([{ ts: T, type: 'resumed', phase: 'b', mode: 'interactive' }, { ts: T, type: 'queued' }]);
    expect(transitionJob(failed, { type: 'resume', mode: 'background', model: 'large' }, T).job.model).toBe('large');
  });

  it('reopens the completed phases its plan runs again, as pending', () => {
    const failed = transitionJob(runningAt(1), { type: 'failPhase', error: 'boom' }, T).job;
    const { job, events } = transitionJob(failed, { type: 'resume', mode: 'background', plan: { phases: [0, 1] } as never }, T);
    expect(job.phases.map((p) => p.status)).toEqual(['pending', 'failed']);
    expect(job.currentPhase).toBe(0);
    expect(events[0]).toEqual({ ts: T, type: 'resumed', phase: 'a', mode: 'background' });
  });

  it('a plan with nothing to run is refused unless the current phase awaits its approval', () => {
    const failed = transitionJob(running(), { type: 'failPhase', error: 'boom' }, T).job;
    const stale: Job = { ...failed, hasPendingApproval: true };
    for (const mode of ['background', 'interactive'] as const) {
      expect(refusal(stale, { type: 'resume', mode, plan: { phases: [] } as never })).toBe('Cannot resume a job whose phases all completed, with no task left to run (job-abcd1234).');
    }
  });

  it('a stale pending approval on a phase that did not complete is not asked about: the phase runs again', () => {
    const failed = transitionJob(running(), { type: 'failPhase', error: 'boom' }, T).job;
    const { job, events } = transitionJob({ ...failed, hasPendingApproval: true }, { type: 'resume', mode: 'interactive' }, T);
    expect(job).toMatchObject({ status: 'queued', currentPhase: 0, hasPendingApproval: false });
    expect(events.map((e) => e.type)).toEqual(['resumed', 'queued']);
  });
});

describe('reportProgress', () => {
  it('sets the current phase\'s tokens when given, and leaves them alone otherwise', () => {
    const usage = { inputTokens: 10, outputTokens: 5 } as never;
    const job = running();
    const reported = transitionJob(job, { type: 'reportProgress', progress: { round: 2 }, phaseUsage: usage }, T);
    expect(reported.events).toEqual([]);
    expect(reported.job.progress.round).toBe(2);
    expect(reported.job.phases[0]!.usage).toEqual(usage);
    expect(phaseKeys(transitionJob(job, { type: 'reportProgress', progress: { round: 3 } }, T).job.phases[0])).not.toContain('usage');
  });
});

describe('setMerge and setWorktree', () => {
  const base: JobMerge = { status: 'conflict', target: 'main', commit: null, conflicts: [], checkedCommit: null, landedAt: null };

  it('logs a merge event with what the merge holds, and nothing when it is forgotten', () => {
    const job = newJob();
    expect(transitionJob(job, { type: 'setMerge', merge: base }, T).events).toEqual([{ ts: T, type: 'merge', status: 'conflict' }]);
    const full: JobMerge = { ...base, step: 'built', commit: 'abc', conflicts: ['a.ts', 'b.ts'], error: 'they differ' };
    const { job: next, events } = transitionJob(job, { type: 'setMerge', merge: full }, T);
    expect(next.merge).toEqual(full);
    expect(events).toEqual([{ ts: T, type: 'merge', status: 'conflict', step: 'built', commit: 'abc', files: ['a.ts', 'b.ts'], error: 'they differ' }]);
    const many = Array.from({ length: 60 }, (_, i) => `f${i}.ts`);
    expect(transitionJob(job, { type: 'setMerge', merge: { ...base, conflicts: many } }, T).events[0]!.files).toEqual(many.slice(0, 50));
    const forgotten = transitionJob(next, { type: 'setMerge', merge: null }, T);
    expect(forgotten.events).toEqual([]);
    expect(forgotten.job.merge).toBeNull();
  });

  it('gives a job a worktree, logging its path', () => {
    const failed = transitionJob(running(), { type: 'failPhase', error: 'boom' }, T).job;
    const { job, events } = transitionJob(failed, { type: 'setWorktree', worktree: WORKTREE }, T);
    expect(job.worktree).toEqual(WORKTREE);
    expect(events).toEqual([{ ts: T, type: 'worktree', path: '/repo-jobs/fix' }]);
  });
});

describe('reopen', () => {
  const completed = (): Job => transitionJob(runningAt(1), { type: 'completePhase', output: 'ok' }, T).job;

  it('appends a phase of the name given and queues it, with the feedback', () => {
    const { job, events } = transitionJob({ ...completed(), hasPendingApproval: true }, { type: 'reopen', phase: 'resolve', feedback: 'conflicts in a.ts' }, T);
    expect(job.phases.map((p) => [p.name, p.status])).toEqual([['a', 'completed'], ['b', 'completed'], ['resolve', 'pending']]);
    expect(job.phases[2]).toEqual({ name: 'resolve', status: 'pending', attempts: 0, startedAt: null, endedAt: null, output: null, error: null, changes: null });
    expect(job).toMatchObject({ status: 'queued', currentPhase: 2, endedAt: null, error: null, hasPendingApproval: false, pendingFeedback: 'conflicts in a.ts' });
    expect(events).toEqual([{ ts: T, type: 'resumed', phase: 'resolve', mode: 'background' }, { ts: T, type: 'queued' }]);
  });

  it('runs its last phase again when it has that name already', () => {
    const once = transitionJob(completed(), { type: 'reopen', phase: 'b', feedback: null }, T).job;
    expect(once.phases.map((p) => [p.name, p.status])).toEqual([['a', 'completed'], ['b', 'pending']]);
    expect(once.phases[1]!.attempts).toBe(1);
    expect(once.currentPhase).toBe(1);
  });

  it('appends after three phases when only a middle one has the name', () => {
    const three = transitionJob(runningAt(2, {}, ['a', 'resolve', 'c']), { type: 'completePhase', output: 'ok' }, T).job;
    const again = transitionJob(three, { type: 'reopen', phase: 'c', feedback: null }, T).job;
    expect(again.phases.map((p) => p.name)).toEqual(['a', 'resolve', 'c']);
    expect(again.currentPhase).toBe(2);
    const appended = transitionJob(three, { type: 'reopen', phase: 'resolve', feedback: null }, T).job;
    expect(appended.phases.map((p) => [p.name, p.status])).toEqual([['a', 'completed'], ['resolve', 'completed'], ['c', 'completed'], ['resolve', 'pending']]);
    expect(appended.currentPhase).toBe(3);
  });

  it('gives a job without phases its first', () => {
    const empty: Job = { ...newJob({}, []), status: 'completed' };
    expect(transitionJob(empty, { type: 'reopen', phase: 'resolve', feedback: null }, T).job.phases.map((p) => p.name)).toEqual(['resolve']);
  });
});

describe('external workers', () => {
  const withWorkers = (): Job => through(running(), [{ type: 'joinWorker', agent: 'ext' }, { type: 'joinWorker', agent: 'ext' }]);

  it('renews only a worker that is in the job, naming the missing one', () => {
    const job = withWorkers();
    const [first, second] = job.joinedWorkers!;
    const renewed = transitionJob(job, { type: 'renewLease', worker: second!.name, leaseExpiresAt: T }, T);
    expect(renewed.events).toEqual([]);
    expect(renewed.job.joinedWorkers).toEqual([first, { ...second, leaseExpiresAt: T }]);
    expect(refusal(job, { type: 'renewLease', worker: 'ghost[ab12-9]', leaseExpiresAt: T })).toBe('Cannot renewLease a worker that is not in the job (ghost[ab12-9]) (job-abcd1234).');
    expect(refusal(running(), { type: 'renewLease', worker: 'ghost[ab12-9]', leaseExpiresAt: T })).toContain('a worker that is not in the job');
  });

  it('lets only a worker that is in the job leave', () => {
    const job = withWorkers();
    const [first, second] = job.joinedWorkers!;
    const left = transitionJob(job, { type: 'leaveWorker', worker: first!.name, reason: 'done' }, T);
    expect(left.job.joinedWorkers).toEqual([second]);
    expect(left.events).toEqual([{ ts: T, type: 'worker_left', worker: first!.name, reason: 'done' }]);
    expect(refusal(job, { type: 'leaveWorker', worker: 'ghost[ab12-9]', reason: 'x' })).toBe('Cannot leaveWorker a worker that is not in the job (ghost[ab12-9]) (job-abcd1234).');
    expect(refusal(running(), { type: 'leaveWorker', worker: 'ghost[ab12-9]', reason: 'x' })).toContain('a worker that is not in the job');
  });

  it('workers leave with the job when it ends; a job that had none gets no list', () => {
    expect(transitionJob(withWorkers(), { type: 'cancel' }, T).job.joinedWorkers).toEqual([]);
    expect(Object.keys(transitionJob(running(), { type: 'cancel' }, T).job)).not.toContain('joinedWorkers');
    expect(transitionJob({ ...running(), joinedWorkers: [] }, { type: 'interrupt', reason: 'x' }, T).job.joinedWorkers).toEqual([]);
  });
});

describe('close', () => {
  it('closing as cancelled is a cancel', () => {
    const job = running();
    expect(transitionJob(job, { type: 'close', status: 'cancelled', reason: 'no longer needed' }, T)).toEqual(transitionJob(job, { type: 'cancel' }, T));
    expect(transitionJob(job, { type: 'close', status: 'cancelled' }, T).events).toEqual([{ ts: T, type: 'cancelled' }]);
  });

  it('closing as completed ends the open phase completed, keeping when it started', () => {
    const job = through(running(), [{ type: 'joinWorker', agent: 'ext' }]);
    const { job: closed, events } = transitionJob(job, { type: 'close', status: 'completed' }, T);
    expect(closed.phases[0]).toMatchObject({ status: 'completed', startedAt: T0, endedAt: T });
    expect(closed).toMatchObject({ status: 'completed', endedAt: T, error: null, hasPendingApproval: false, joinedWorkers: [] });
    expect(closed.progress.lastEvent).toBe('Completed');
    expect(events).toEqual([{ ts: T, type: 'completed' }]);
  });

  it('closing as failed gives the reason, or says it was closed so', () => {
    const { job, events } = transitionJob(running(), { type: 'close', status: 'failed', reason: 'tests broke' }, T);
    expect(job.phases[0]).toMatchObject({ status: 'failed', endedAt: T });
    expect(job).toMatchObject({ status: 'failed', error: 'tests broke' });
    expect(job.progress.lastEvent).toBe('Failed: tests broke');
    expect(events).toEqual([{ ts: T, type: 'failed', error: 'tests broke' }]);
    const plain = transitionJob(running(), { type: 'close', status: 'failed' }, T);
    expect(plain.job.error).toBe('closed as failed');
    expect(plain.events).toEqual([{ ts: T, type: 'failed', error: 'closed as failed' }]);
  });

  it('a phase that never started gets its start as the close; a completed phase stays as it ended', () => {
    const queued = newJob();
    const closed = transitionJob(queued, { type: 'close', status: 'failed' }, T).job;
    expect(closed.phases[0]).toMatchObject({ status: 'failed', startedAt: T, endedAt: T });
    const waiting = transitionJob(running(), { type: 'completePhase', output: 'ok' }, T0).job;
    const closedWaiting = transitionJob(waiting, { type: 'close', status: 'failed', reason: 'r' }, T).job;
    expect(closedWaiting.phases[0]).toMatchObject({ status: 'completed', endedAt: T0 });
  });
});

describe('setDismissed', () => {
  it('sets an ended job aside and back, logging only the first', () => {
    const failed = transitionJob(running(), { type: 'failPhase', error: 'boom' }, T).job;
    const dismissed = transitionJob(failed, { type: 'setDismissed', isDismissed: true }, T);
    expect(dismissed.job.dismissedAt).toBe(T);
    expect(dismissed.events).toEqual([{ ts: T, type: 'dismissed' }]);
    const back = transitionJob(dismissed.job, { type: 'setDismissed', isDismissed: false }, T);
    expect(back.events).toEqual([]);
    expect(Object.keys(back.job)).not.toContain('dismissedAt');
  });

  it('refuses a job that has not ended unfinished, saying which can be set aside', () => {
    expect(refusal(running(), { type: 'setDismissed', isDismissed: true })).toBe('job-abcd1234 is running: only a failed, cancelled or interrupted job can be set aside.');
  });
});

describe('a job with no phases (a degenerate job file)', () => {
  // Every action either applies or is refused with a TransitionError: none crashes on the missing phase.
  const ACTIONS: JobAction[] = [
    { type: 'start' }, { type: 'startPhase' }, { type: 'completePhase', output: 'x' }, { type: 'failPhase', error: 'x' },
    { type: 'completeTask', taskId: '1', output: 'x' }, { type: 'startTask', taskId: '1', worker: 0 }, { type: 'takeRun', taskId: '1', host: 'h' },
    { type: 'approve' }, { type: 'retry', feedback: 'fb' }, { type: 'cancel' }, { type: 'interrupt', reason: 'gone' },
    { type: 'resume', mode: 'background' }, { type: 'resume', mode: 'interactive' }, { type: 'resume', mode: 'background', plan: { phases: [0] } as never },
    { type: 'reportProgress', progress: { round: 1 }, phaseUsage: { inputTokens: 1, outputTokens: 1 } as never },
    { type: 'close', status: 'completed' }, { type: 'reopen', phase: 'r', feedback: null },
  ];
  for (const status of ['queued', 'running', 'awaiting_approval', 'completed', 'failed', 'interrupted'] as const) {
    it(`from ${status}`, () => {
      const job: Job = { ...newJob({}, []), status, hasPendingApproval: status === 'awaiting_approval' || status === 'interrupted' };
      for (const action of ACTIONS) {
        try {
          const { job: next } = transitionJob(job, action, T);
          expect(next.phases.length).toBeLessThanOrEqual(1);
        } catch (error) {
          expect(error, `${action.type} from ${status}`).toBeInstanceOf(TransitionError);
        }
      }
    });
  }

  it('approving or retrying it names no phase', () => {
    const job: Job = { ...newJob({}, []), status: 'awaiting_approval', hasPendingApproval: true };
    expect(transitionJob(job, { type: 'approve' }, T).events).toEqual([{ ts: T, type: 'approved' }, { ts: T, type: 'completed' }]);
    expect(transitionJob(job, { type: 'retry', feedback: null }, T).events).toEqual([{ ts: T, type: 'retried' }, { ts: T, type: 'queued' }]);
  });
});
