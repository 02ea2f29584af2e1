// Shared by the commands that steer a job: it must be one this REPL runs.
import { ManagerError, UsageError } from '../../errors.js';
import type { ReplSession } from '../session.js';

/**
 * Resolves `input` to a job of this session. A job of another session (still owned by a live
 * jobline) cannot be steered from here.
 * @throws UsageError USAGE without an id; JobLookupError; ManagerError JOB_OWNED_ELSEWHERE.
 */
export async function requireOwnJob(session: ReplSession, input: string, verb: string): Promise<string> {
  if (!input) throw new UsageError('USAGE', `Usage: /${verb} <id>`);
  const id = await session.service.resolve(input);
  if (!session.service.isInSession(id)) {
    const job = await session.service.get(id);
    throw new ManagerError('JOB_OWNED_ELSEWHERE', job.status === 'interrupted'
      ? `${id} is interrupted; /resume ${id} to run it again.`
      : `${id} belongs to another jobline (pid ${job.owner.pid}); ${verb} it there.`);
  }
  return id;
}
