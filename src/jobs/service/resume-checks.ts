// What must hold before a job is resumed: it is unfinished, no other live jobline owns it, and
// no process of its previous run is still alive (a second copy would run beside it).
import { ManagerError } from '../../errors.js';
import { checkOwnerAlive, isCurrentProcess } from '../process/owner.js';
import { isUnfinishedStatus, type Job } from '../model/job.js';
import type { Executor } from '../ports/executor.js';

/**
 * Checks that `stored`, read from the jobs folder, may be taken over by this process.
 * @throws ManagerError JOB_OWNED_ELSEWHERE (a live jobline owns it), JOB_NOT_RESUMABLE (it is
 *   active or completed).
 */
export function assertAdoptable(stored: Job): void {
  if (!isCurrentProcess(stored.owner) && checkOwnerAlive(stored.owner) !== false) {
    throw new ManagerError('JOB_OWNED_ELSEWHERE', `${stored.id} belongs to another running jobline (pid ${stored.owner.pid} on ${stored.owner.hostname}); resume or cancel it there.`);
  }
  if (!isUnfinishedStatus(stored.status)) {
    throw new ManagerError('JOB_NOT_RESUMABLE', `${stored.id} is ${stored.status}; only failed, cancelled or interrupted jobs can be resumed.`);
  }
}

/**
 * Checks that no process of job `id`'s previous run is alive where `executor` runs it.
 * @throws ManagerError JOB_PROCESSES_ALIVE naming up to five pids.
 */
export function assertNoProcessesLeft(id: string, executor: Pick<Executor, 'findJobProcesses'>): void {
  const pids = executor.findJobProcesses(id);
  if (pids.length > 0) {
    throw new ManagerError('JOB_PROCESSES_ALIVE', `${id} still has processes of its previous run alive (pid ${pids.slice(0, 5).join(', ')}${pids.length > 5 ? ', …' : ''}); resume it once they have ended.`);
  }
}
