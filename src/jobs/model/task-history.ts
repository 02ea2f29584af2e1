// Reading a job's task board back: folding its tasks.jsonl records, and, for a job written by an
// earlier version (schemaVersion 1, no tasks.jsonl), rebuilding one task per phase and every run
// from its events log. Pure: records and events come in, a board goes out.
import { getLastRecordedActivity, isExternalJob, type Job } from './job.js';
import type { JobEvent } from './job-event.js';
import { createPhaseTasks, formatRunSection, formatWorkerName, OUTPUT_FILE, type Run, type Task, type TaskBoard, type TaskRecord, type TaskStatus } from './task.js';
import { summarize } from './task-transitions.js';

/**
 * The board `records` describe for `job`: the latest record of each task and run, in the order
 * they first appeared (tasks grouped by phase); a task recorded as removed is left out. See also
 * settleBoard.
 * Records beyond the job's eventSeq belong to a write that a crash cut short between the journal
 * (appended first) and job.json; the journal is applied as it says (issue 25 §4): what such a write
 * ended did end (a run's outcome is recorded only after its start was, so a task's end there is
 * real, and running the task again would run it twice), and what it only started never did (a
 * run's command starts only once its write has landed): a run it opened is left out, and a task it
 * claimed waits again, as it was before the claim.
 */
export function foldTaskRecords(job: Job, records: readonly TaskRecord[]): TaskBoard {
  if (!records.some((record) => record.kind === 'task')) return alignWithPhases(job, deriveBoardFromHistory(job, []));
  const tasks = new Map<string, Task>();
  const runs = new Map<string, Run>();
  for (const record of records) {
    const isBeyond = record.seq > job.eventSeq;
    if (record.kind === 'run') {
      if (!isBeyond || record.run.state.status !== 'running' || runs.has(record.run.id)) runs.set(record.run.id, record.run);
    } else if (record.removed) tasks.delete(record.task.id);
    else tasks.set(record.task.id, isBeyond ? unclaimedUnlessKnown(record.task, tasks.get(record.task.id)) : record.task);
  }
  // In phase order (a stable sort: within a phase, as they appeared): a plan's tasks were
  // appended after the later phases' tasks created with the job.
  const ordered = [...tasks.values()].sort((a, b) => a.phase - b.phase);
  return settleBoard(job, alignWithPhases(job, { tasks: ordered, runs: [...runs.values()] }));
}

/** True when `records` hold any beyond `job`'s eventSeq: a write a crash cut short (see foldTaskRecords). */
export function hasRecordsBeyond(job: Job, records: readonly TaskRecord[]): boolean {
  return records.some((record) => record.seq > job.eventSeq);
}

// A task as a record beyond job.json says it is: a claim that restates the one known (the same
// attempt) stands; a new claim never took effect, so the task waits, as before it.
function unclaimedUnlessKnown(task: Task, known: Task | undefined): Task {
  if (task.status !== 'claimed' || (known?.status === 'claimed' && known.attempts === task.attempts)) return task;
  return { ...task, status: 'todo', attempts: Math.max(0, task.attempts - 1) };
}

/**
 * The board as job.json's phases say it is: job.json is fsynced on every change, tasks.jsonl only
 * when a later attempt starts (see task-log.ts), so after a power loss the board may lag. A task
 * of a completed phase is done and its open run succeeded (ended with the phase); of a failed
 * phase, failed with the phase's error. A phase's current attempt that has no run (its records
 * were lost) gets one rebuilt from the phase: its start, end, outcome and output section.
 */
export function alignWithPhases(job: Job, board: TaskBoard): TaskBoard {
  const ended = new Map<string, Run['state']>();
  const tasksPerPhase = new Map<number, number>();
  for (const task of board.tasks) tasksPerPhase.set(task.phase, (tasksPerPhase.get(task.phase) ?? 0) + 1);
  const tasks = board.tasks.map((task): Task => {
    const phase = job.phases[task.phase];
    if (!phase || (phase.status !== 'completed' && phase.status !== 'failed') || task.status === 'done' || task.status === 'failed') return task;
    // A phase's only task is its phase, cancelled included; in a phase of several, a task not
    // run (cancelled when another failed) was recorded so and stays so.
    if (task.status === 'cancelled' && tasksPerPhase.get(task.phase) !== 1) return task;
    const endedAt = phase.endedAt ?? job.endedAt ?? job.createdAt;
    ended.set(task.id, phase.status === 'completed' ? { status: 'succeeded', endedAt } : { status: 'failed', endedAt, error: phase.error ?? 'failed' });
    return { ...task, status: phase.status === 'completed' ? 'done' : 'failed' };
  });
  // (Which runs are missing depends on the runs' tasks and attempts, not on how they ended.)
  const missing = findMissingRuns(job, tasks, board.runs);
  if (ended.size === 0 && missing.length === 0) return board;
  const runs = board.runs.map((run): Run => (run.state.status === 'running' && ended.has(run.taskId) ? { ...run, state: ended.get(run.taskId)! } : run));
  // A rebuilt run's task counts its attempt.
  const attemptsOf = new Map(missing.map((run) => [run.taskId, run.attempt]));
  return { tasks: tasks.map((task) => (attemptsOf.has(task.id) ? { ...task, attempts: Math.max(task.attempts, attemptsOf.get(task.id)!) } : task)), runs: [...runs, ...missing] };
}

// The run of each started phase's current attempt that the board lacks, as job.json describes it.
// Only for a phase of one task, whose attempt is its task's run: job.json does not describe the
// runs of a phase of several tasks (their records are fsynced before a later attempt starts).
// O(tasks + runs): a 10,000-task job loads in one pass.
function findMissingRuns(job: Job, tasks: readonly Task[], runs: readonly Run[]): Run[] {
  // An external job's phase runs nothing itself: its runs are its workers' claims, never implied.
  if (isExternalJob(job)) return [];
  const missing: Run[] = [];
  const recorded = new Set(runs.map((run) => `${run.taskId}/${run.attempt}`));
  const tasksPerPhase = new Map<number, number>();
  for (const task of tasks) tasksPerPhase.set(task.phase, (tasksPerPhase.get(task.phase) ?? 0) + 1);
  tasks.forEach((task) => {
    const phase = job.phases[task.phase];
    if (!phase || tasksPerPhase.get(task.phase) !== 1 || phase.attempts < 1 || !phase.startedAt || recorded.has(`${task.id}/${phase.attempts}`)) return;
    const endedAt = phase.endedAt ?? job.endedAt ?? job.createdAt;
    const state: Run['state'] | null =
      phase.status === 'running' ? { status: 'running' }
      : phase.status === 'completed' ? { status: 'succeeded', endedAt }
      : phase.status === 'failed' ? { status: 'failed', endedAt, error: phase.error ?? 'failed' }
      : phase.status === 'cancelled' ? { status: 'cancelled', endedAt }
      : phase.status === 'interrupted' ? { status: 'interrupted', endedAt, reason: job.error ?? 'interrupted' }
      : null; // pending: the attempt is queued again (a retry or resume not yet started)
    if (!state) return;
    missing.push({
      id: `r${runs.length + missing.length + 1}`,
      taskId: task.id,
      attempt: phase.attempts,
      worker: formatWorkerName(job.agent, job.id, 0),
      startedAt: phase.startedAt,
      state,
      output: { file: OUTPUT_FILE, section: formatRunSection(task.phase, job.phases.length, phase.name, phase.attempts) },
    });
  });
  return missing;
}

/**
 * The board of a job that has no task records (written by schemaVersion 1): one task per phase,
 * with the phase's status, and one run per phase attempt found in `events` (version 1 kept only a
 * phase's last attempt in job.json; its log kept them all). Without a log, each started phase
 * gets one run, its last attempt. An external job (which version 1 did not have) without task
 * records was made without tasks: its board is empty, not a task for its phase claimed by nobody.
 */
export function deriveBoardFromHistory(job: Job, events: readonly JobEvent[]): TaskBoard {
  if (isExternalJob(job)) return { tasks: [], runs: [] };
  const tasks = createPhaseTasks(job.phases.map((phase) => phase.name), job.description).map((task, index): Task => {
    const phase = job.phases[index]!;
    return {
      ...task,
      status: taskStatusOf(job, phase.status),
      attempts: phase.attempts,
      result: summarize(phase.status === 'failed' ? phase.error : phase.output),
      filesModified: phase.changes?.files.map((file) => file.path) ?? [],
    };
  });
  const runs: Run[] = [];
  const phaseIndex = (name: string | undefined): number => job.phases.findIndex((phase) => phase.name === name);
  const worker = formatWorkerName(job.agent, job.id, 0);
  const open = (index: number, attempt: number, startedAt: string): void => {
    const name = job.phases[index]!.name;
    runs.push({ id: `r${runs.length + 1}`, taskId: `t${index + 1}`, attempt, worker, startedAt, state: { status: 'running' }, output: { file: OUTPUT_FILE, section: formatRunSection(index, job.phases.length, name, attempt) } });
  };
  const close = (state: Run['state']): void => {
    const last = runs.at(-1);
    if (last?.state.status === 'running') runs[runs.length - 1] = { ...last, state };
  };
  if (events.some((event) => event.type === 'phase_started')) {
    for (const event of events) {
      if (event.type === 'phase_started' && phaseIndex(event.phase) !== -1) open(phaseIndex(event.phase), event.attempt ?? 1, event.ts);
      else if (event.type === 'phase_completed') close({ status: 'succeeded', endedAt: event.ts });
      else if (event.type === 'phase_failed') close({ status: 'failed', endedAt: event.ts, error: event.error ?? 'failed' });
      else if (event.type === 'cancelled') close({ status: 'cancelled', endedAt: event.ts });
      else if (event.type === 'interrupted') close({ status: 'interrupted', endedAt: event.ts, reason: event.reason ?? 'interrupted' });
    }
  } else {
    job.phases.forEach((phase, index) => {
      if (phase.attempts === 0 || !phase.startedAt) return;
      open(index, phase.attempts, phase.startedAt);
      const endedAt = phase.endedAt ?? phase.startedAt;
      if (phase.status === 'completed') close({ status: 'succeeded', endedAt });
      else if (phase.status === 'failed') close({ status: 'failed', endedAt, error: phase.error ?? 'failed' });
      else if (phase.status === 'cancelled') close({ status: 'cancelled', endedAt });
      else if (phase.status === 'interrupted') close({ status: 'interrupted', endedAt, reason: job.error ?? 'interrupted' });
    });
  }
  return settleBoard(job, { tasks, runs });
}

const PHASE_TO_TASK: Record<Job['phases'][number]['status'], TaskStatus> = {
  pending: 'todo',
  running: 'claimed',
  completed: 'done',
  failed: 'failed',
  cancelled: 'todo', // stopped by a cancel (see taskStatusOf), or by an interruption in files written before `interrupted`
  interrupted: 'todo', // it runs again on resume
};

// A cancelled job's tasks that had not ended are cancelled (as task-transitions.ts does).
function taskStatusOf(job: Job, phaseStatus: Job['phases'][number]['status']): TaskStatus {
  const status = PHASE_TO_TASK[phaseStatus];
  return job.status === 'cancelled' && (status === 'todo' || status === 'claimed') ? 'cancelled' : status;
}

/**
 * The board as it really is: a run still open on a job that is not running was stopped without
 * being recorded (its process died, or the job's interruption was recorded by another reader), so
 * it shows as interrupted, ended at the job's last recorded activity, and its task waits again.
 */
export function settleBoard(job: Job, board: TaskBoard): TaskBoard {
  if (job.status === 'running' || !board.runs.some((run) => run.state.status === 'running')) return board;
  const endedAt = job.endedAt ?? getLastRecordedActivity(job);
  const reason = job.error ?? 'jobline stopped';
  const stopped = new Set<string>();
  const runs = board.runs.map((run): Run => {
    if (run.state.status !== 'running') return run;
    stopped.add(run.taskId);
    return { ...run, state: { status: 'interrupted', endedAt, reason } };
  });
  const tasks = board.tasks.map((task): Task => (stopped.has(task.id) && task.status === 'claimed' ? { ...task, status: job.status === 'cancelled' ? 'cancelled' : 'todo' } : task));
  return { tasks, runs };
}
