// `jobline resume ID`: takes over an interrupted, failed or cancelled job and runs it in the
// foreground from its first phase that did not complete (like `jobline run`).
import { UsageError } from '../errors.js';
import { adoptFromConfig } from './adopt-job.js';
import { createManager, type AppContext } from './context.js';
import { hasTerminal, superviseInForeground } from './foreground-job.js';
import { NEEDS_TERMINAL } from './run.js';

/** Options of `jobline resume`. */
export interface ResumeOptions {
  background?: boolean;
  yes?: boolean;
  json?: boolean;
}

/**
 * Resumes job `idOrPrefix` and waits for it. Returns 0 if it completed, 1 otherwise.
 * @throws JobLookupError; ManagerError JOB_NOT_RESUMABLE / JOB_OWNED_ELSEWHERE; AgentError; UsageError; StoreError.
 */
export async function resumeCommand(context: AppContext, idOrPrefix: string, options: ResumeOptions): Promise<number> {
  const mode = options.background || options.yes ? 'background' : context.config.mode;
  if (mode === 'interactive' && !hasTerminal()) throw new UsageError('USAGE', NEEDS_TERMINAL);
  const id = await context.store.resolveId(idOrPrefix);
  const stored = await context.store.load(id, new Date().toISOString());
  const adopt = adoptFromConfig(context.store, context.config, context.cwd, context.configPath);
  const { agent } = await adopt(stored); // an agent no longer configured fails here, before anything changes
  const manager = createManager(context);
  return superviseInForeground(context, manager, agent, async () => (await manager.resume(id, mode, adopt)).id, options);
}
