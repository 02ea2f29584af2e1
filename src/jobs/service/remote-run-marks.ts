// What a remote executor tells of a run besides its output: the worker that took it (its name
// joins the run's, `sh[ab12-0]@box-1`) and a wait for a worker with the labels it needs. Each is a
// change of the job, written to disk; a take is written TAKE_RECORD_DELAY_MS after it, or with the
// run's outcome when that comes first, so a batch of short tasks writes no change of its own per run.
import { describeError } from '../../errors.js';
import type { JobAction } from '../model/transitions.js';
import type { JobHandle } from './job-handle.js';

/** How long after a remote worker took a run its name is written, unless the run's outcome comes first (ms). */
const TAKE_RECORD_DELAY_MS = 250;

/** The marks of the runs of one scheduler. `warn` hears of a mark that could not be written. */
export class RemoteRunMarks {
  /** Takes not written yet, by `<job id>/<run id>`. */
  private readonly pendingTakes = new Map<string, { timer: NodeJS.Timeout; action: JobAction }>();

  constructor(private readonly warn: (message: string) => void) {}

  /** Worker `worker` took run `runId` (task `taskId`) of `entry`: written soon, or with its outcome. */
  taken(entry: JobHandle, taskId: string, runId: string, worker: string): void {
    const key = `${entry.id}/${runId}`;
    const pending = this.pendingTakes.get(key);
    if (pending) clearTimeout(pending.timer);
    const action: JobAction = { type: 'takeRun', taskId, host: worker };
    const timer = setTimeout(() => {
      this.pendingTakes.delete(key);
      this.record(entry, taskId, runId, action);
    }, TAKE_RECORD_DELAY_MS);
    timer.unref();
    this.pendingTakes.set(key, { timer, action });
  }

  /** Run `runId` waits for a worker that has all of `labels`: written now. */
  waiting(entry: JobHandle, taskId: string, runId: string, labels: string[]): void {
    this.record(entry, taskId, runId, { type: 'waitRun', taskId, labels });
  }

  /** The take of task `taskId`'s open run not written yet, withdrawn: to be written with its outcome (the actions to put first). */
  withdrawTake(entry: JobHandle, taskId: string): JobAction[] {
    const runId = entry.openRunOf(taskId)?.id;
    const key = `${entry.id}/${runId}`;
    const pending = runId === undefined ? undefined : this.pendingTakes.get(key);
    if (!pending) return [];
    clearTimeout(pending.timer);
    this.pendingTakes.delete(key);
    return [pending.action];
  }

  // Writes `action` while run `runId` is still task `taskId`'s open run. A mark that could not be
  // written is only a label: the run goes on, and the warning says why.
  private record(entry: JobHandle, taskId: string, runId: string, action: JobAction): void {
    if (entry.job.status !== 'running' || entry.openRunOf(taskId)?.id !== runId) return;
    try {
      entry.commit([action]).catch((error: unknown) => this.warn(`${entry.id}: ${describeError(error)}`));
    } catch (error) {
      this.warn(`${entry.id}: ${describeError(error)}`);
    }
  }
}
