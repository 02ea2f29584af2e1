// `jobline resume ID`: takes over an interrupted, failed or cancelled job and runs in the
// foreground what of it is not done (like `jobline run`): done tasks never run again.
import type { Isolation } from '../jobs/model/job.js';
import { UsageError } from '../errors.js';
import { getSecretEnvNames } from '../config/schema.js';
import { resolveAgent } from '../agents/resolve-agent.js';
import { createJobService, type AppContext } from './context.js';
import { hasTerminal, superviseInForeground } from './foreground-job.js';
import { NEEDS_TERMINAL, modelFor, sayWarning } from './run.js';

/** Options of `jobline resume`. */
export interface ResumeOptions {
  background?: boolean;
  yes?: boolean;
  json?: boolean;
  /** Failed tasks run again too (see planResume). */
  retryFailed?: boolean;
  /** Pass the job's escape sequences through (default: only its colours). */
  raw?: boolean;
  /** `worktree`: a job that ran in place runs in a worktree of its own from now on. */
  isolation?: Isolation;
  /** The model the rest of the job runs on (see Job.model). */
  model?: string;
}

/**
 * Resumes job `idOrPrefix` and waits for it. Returns 0 if it completed, 1 otherwise.
 * @throws JobLookupError; ManagerError JOB_NOT_RESUMABLE / JOB_OWNED_ELSEWHERE; AgentError; UsageError; StoreError.
 */
export async function resumeCommand(context: AppContext, idOrPrefix: string, options: ResumeOptions): Promise<number> {
  const mode = options.background || options.yes ? 'background' : context.config.mode;
  if (mode === 'interactive' && !hasTerminal()) throw new UsageError('USAGE', NEEDS_TERMINAL);
  const id = await context.jobs.resolve(idOrPrefix);
  const stored = await context.jobs.get(id);
  // An agent no longer configured fails here, before anything changes.
  const agent = resolveAgent(stored.agent, context.config, await context.jobs.creationFolderOf(id), context.configPath);
  const model = modelFor(agent, options.model);
  const service = await createJobService(context, { isScript: true, notice: sayWarning });
  return superviseInForeground(service, model && agent.type === 'llm' ? { ...agent, model } : agent, async () => (await service.dispatch({ type: 'resume', jobId: id, mode, ...(options.retryFailed ? { retryFailed: true } : {}), ...(options.isolation ? { isolation: options.isolation } : {}), ...(model ? { model } : {}) })).id, { ...options, secretEnvNames: getSecretEnvNames(context.config) });
}
