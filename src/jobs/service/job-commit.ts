// The one commit path: how any change of a job is made, by whichever part of the service makes it
// (the manager's JobHandle, a command on the jobs folder, a job found with its owner gone). One
// rule: a change is computed from the state on disk by the model (applyActions), written (task
// records, job.json, events), and only once the write returned is it the job's state and told to
// anyone. A write that fails is the caller's error, naming the cause, and the state stays what the
// disk holds. The synchronous form is here; JobHandle pipelines the same changes through JobWriter.
import { getLastRecordedActivity, type Job } from '../model/job.js';
import type { JobEvent } from '../model/job-event.js';
import { applyActions, recordBoard, type JobState } from '../model/job-state.js';
import type { TaskRecord } from '../model/task.js';
import type { JobAction } from '../model/transitions.js';
import { isOwnerGone, OWNER_GONE_REASON } from '../process/liveness.js';
import type { JobRepository } from '../ports/repository.js';

/**
 * A job as one of its writers holds it: its state, and whether its board is on disk as records
 * (false for a new job, or one written before tasks existed: its first change writes it whole).
 */
export interface StoredJob {
  state: JobState;
  isBoardRecorded: boolean;
}

/** One change, ready to write: the state it makes, its numbered events, and the records to append. */
export interface PreparedChange {
  state: JobState;
  events: JobEvent[];
  records: TaskRecord[];
  /** The records are the whole board (see CommitOptions.isBoardWhole). */
  isBoardWhole: boolean;
}

/**
 * Computes the change `actions` make to `stored` at `now` (ISO-8601 UTC), after `leadingEvents`
 * (events that are not transitions, e.g. `created`): the model's transition, and the records to
 * append (the whole board when it is not on disk yet). Changes nothing.
 * @throws TransitionError ILLEGAL_TRANSITION (see transitionJob).
 */
export function prepareChange(stored: StoredJob, actions: readonly JobAction[], now: string, leadingEvents: readonly JobEvent[] = []): PreparedChange {
  const change = applyActions(stored.state, actions, now, leadingEvents);
  const records = stored.isBoardRecorded ? change.records : recordBoard(change.state.board, change.state.job.eventSeq);
  return { state: change.state, events: change.events, records, isBoardWhole: !stored.isBoardRecorded };
}

/**
 * Commits `actions` to `stored` on this thread: prepared (see prepareChange), written durably by
 * `repository`, and returned as the job's new stored state with the events written. Nothing is
 * returned, and nothing changes, when the write fails. `isRenameDurable` false: the new state's
 * contents are fsynced but not its rename (it survives a crash of the process, not always a power
 * loss: for a step that a later durable one follows, see merge-queue.ts).
 * @throws TransitionError ILLEGAL_TRANSITION before anything is written; StoreError JOB_IO (with
 *   the cause: ENOSPC, EROFS, …) or JOB_STALE when the write fails.
 */
export function commitSync(repository: JobRepository, stored: StoredJob, actions: readonly JobAction[], now: string, leadingEvents: readonly JobEvent[] = [], isRenameDurable = true): { stored: StoredJob; events: JobEvent[] } {
  const change = prepareChange(stored, actions, now, leadingEvents);
  repository.writeSync(change.state.job, change.events, change.records, { isBoardWhole: change.isBoardWhole, isRenameDurable });
  return { stored: { state: change.state, isBoardRecorded: true }, events: change.events };
}

/**
 * Commits `actions` to job `id` as the jobs folder holds it (a job no session of this process
 * holds): under the job's claim, read and settled (see settleStoredJob), changed, written. Returns
 * the job as written. A job the actions do not apply to is refused before anything is written.
 * @throws TransitionError ILLEGAL_TRANSITION; StoreError CLAIM_BUSY, CLAIM_TARGET_GONE,
 *   JOB_FILE_CORRUPT, JOB_IO, JOB_STALE.
 */
export async function commitStoredJob(repository: JobRepository, id: string, actions: readonly JobAction[], now: string): Promise<Job> {
  return repository.withJobClaim(id, async () => commitSync(repository, await settleStoredJob(repository, id, now), actions, now).stored.state.job);
}

/**
 * Reads job `id` for a caller holding its claim (see JobRepository.withJobClaim), with its board,
 * and records an interruption nobody wrote down: an active job whose owner is gone is interrupted
 * through the commit path, dated by its last recorded activity (`fileModifiedAt`, job.json's
 * mtime, when the job does not say), its open runs closed as interrupted and their tasks waiting
 * again, the event saying when it was found out (`now`). A failed write of that record is not the
 * caller's concern (the job reads the same without it, and the next writer records it); the
 * state returned is then the one on disk.
 * @throws StoreError JOB_FILE_CORRUPT, JOB_IO (reading), CLAIM_TARGET_GONE.
 */
export async function settleStoredJob(repository: JobRepository, id: string, now: string): Promise<StoredJob> {
  const { job, modifiedAt } = repository.readForUpdate(id);
  const { board, isRecorded } = await repository.readBoard(job);
  const stored: StoredJob = { state: { job, board }, isBoardRecorded: isRecorded };
  if (!isOwnerGone(job)) return stored;
  const endedAt = getLastRecordedActivity(job, modifiedAt);
  const actions: JobAction[] = [{ type: 'interrupt', reason: OWNER_GONE_REASON, detectedAt: now }];
  try {
    return commitSync(repository, stored, actions, endedAt).stored;
  } catch {
    // Read-only or full: the job reads the same (see viewWithLiveness), and the next writer
    // records it: the change it makes is written in full (its board is not on disk as it is).
    return { state: prepareChange(stored, actions, endedAt).state, isBoardRecorded: false };
  }
}
