// The workers' commands of the one request language (JobCommand: join, leave, heartbeat, claim,
// completeTask, failTask, addTasks, close), carried out on a session's WorkersPort.
import { ManagerError } from '../../errors.js';
import type { Job } from '../model/job.js';
import type { JobCommand } from './job-commands.js';
import type { AdoptedRun } from './manager-api.js';
import type { SessionPort } from './session-port.js';

/** What the dispatch needs of the service: turning a typed id (prefix, name) into a full id, and how a job left in the folder runs. */
export interface WorkerDispatchContext {
  resolve(input: string): Promise<string>;
  adopt(stored: Job): Promise<AdoptedRun>;
}

/**
 * Carries out worker command `command` on `session`. An active external job not in the session
 * (left in the jobs folder) is taken into it first, where the session can (see adoptExternal).
 * @throws whatever the session's workers throw (see ExternalWorkers); ManagerError UNKNOWN_COMMAND.
 */
export async function dispatchWorkerCommand(session: SessionPort, command: JobCommand, context: WorkerDispatchContext): Promise<unknown> {
  if (!('jobId' in command)) throw new ManagerError('UNKNOWN_COMMAND', `Unknown command ${JSON.stringify((command as { type?: unknown }).type)}.`);
  const id = await context.resolve(command.jobId);
  if (session.adoptExternal && !session.has(id)) await session.adoptExternal(id, context.adopt);
  const { workers } = session;
  switch (command.type) {
    case 'join':
      return workers.join(id, command.agent);
    case 'leave':
      await workers.leave(id, command.worker);
      return session.get(id);
    case 'heartbeat':
      return { leaseExpiresAtMs: await workers.heartbeat(id, command.worker, command.token) };
    case 'claim':
      return workers.claim(id, command.worker, command.files);
    case 'completeTask':
      return workers.endTask(id, command.taskId, { worker: command.worker, token: command.token, summary: command.summary, filesModified: command.filesModified });
    case 'failTask':
      return workers.endTask(id, command.taskId, { worker: command.worker, token: command.token, error: command.reason });
    case 'addTasks':
      return workers.addTasks(id, command.tasks);
    case 'close':
      await workers.close(id, command.status, command.reason ?? null);
      return session.get(id);
  }
  throw new ManagerError('UNKNOWN_COMMAND', `Unknown command ${JSON.stringify(command.type)}.`);
}
