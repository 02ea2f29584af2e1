// Resolving a merge conflict: the phase that runs when a job whose landing conflicted is retried
// (`/retry ID`). A command agent's own phase named `resolve` (never run in the normal order); for
// an LLM agent, one made here; any other agent cannot resolve, and the retry is refused.
import type { AgentSpec, LlmPhaseSpec } from '../../agents/agent.js';

/** The name of the phase that resolves a merge conflict. */
export const RESOLVE_PHASE = 'resolve';

/** The LLM phase that resolves a conflict: every tool but planning, and the instruction. */
export function createResolvePhase(): LlmPhaseSpec {
  return {
    name: RESOLVE_PHASE,
    maxRounds: 20,
    tools: ['list_files', 'read_file', 'search_code', 'write_file', 'edit_file', 'run_command'],
    instructions: 'You work in a code workspace through tools; every path is relative to the workspace root. '
      + 'Phase "resolve": the target branch was merged into your work and some files conflict. Each conflicted file holds conflict markers '
      + '(<<<<<<<, =======, >>>>>>>). Edit every conflicted file so that it keeps the intent of both sides and holds no markers, '
      + 'run the checks you can, then answer with what you resolved and how.',
  };
}

/**
 * Why `agent` cannot resolve a conflict (a sentence), or null when it can: an LLM agent always
 * can; a command agent only with a phase named `resolve`.
 */
export function whyCannotResolve(agent: AgentSpec): string | null {
  if (agent.type === 'llm') return null;
  if (agent.type === 'command' && agent.phases.some((phase) => phase.name === RESOLVE_PHASE)) return null;
  return `its agent ${agent.name} has no "${RESOLVE_PHASE}" phase to resolve a merge conflict with: resolve it by hand in the job's worktree (commit there), then jobline merge it, or discard it`;
}

/** The feedback a resolving run gets: the conflicted files (and the user's own words, if any). */
export function describeConflict(target: string, files: readonly string[], feedback: string | null): string {
  const listed = files.slice(0, 50).join('\n');
  return `Merging ${target} into this work conflicted in ${files.length} file${files.length === 1 ? '' : 's'} (conflict markers left in them):\n${listed}${files.length > 50 ? `\n… and ${files.length - 50} more` : ''}${feedback ? `\n\n${feedback}` : ''}`;
}

/** The agent's phases that run in order: a command agent's `resolve` phase runs only to resolve a conflict. */
export function isOrderedPhase(name: string): boolean {
  return name !== RESOLVE_PHASE;
}
