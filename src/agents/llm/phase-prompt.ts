// The first message of an LLM phase: the user's request, what the user asked of a retry, the
// earlier phases' results and, for one task of a phase of several, that task and the files it
// may change.
import type { LlmPhaseSpec, PhaseContext } from '../agent.js';

/** Builds the phase's first user message from `context`. */
export function buildPhasePrompt(phase: LlmPhaseSpec, context: PhaseContext): string {
  const parts = [`Request: ${context.prompt}`];
  const previous = context.previousAttempt;
  if (previous) parts.push(describePreviousAttempt(previous));
  if (context.feedback) parts.push(`The user reviewed your previous attempt at this phase and asks: ${context.feedback}`);
  else if (previous) parts.push('The user reviewed your previous attempt at this phase and asks you to do it again.');
  const earlier = context.previousOutputs.filter((record) => record.output);
  if (earlier.length > 0) parts.push(`Results of the earlier phases:\n${earlier.map((record) => `## ${record.name}\n${record.output}`).join('\n\n')}`);
  const { task } = context;
  if (task) {
    parts.push(`You are one of several workers of the "${phase.name}" phase. Your task is ${task.id}: ${task.title}\n${task.description}`);
    parts.push(`You may create or modify only these files: ${task.claims.length > 0 ? task.claims.join(', ') : '(none: this task changes no file)'}. Other workers are changing other files at the same time.`);
    parts.push(`Do your task only, then answer with what you did.`);
  } else {
    parts.push(`Now do the "${phase.name}" phase.`);
  }
  return parts.join('\n\n');
}

/** Most characters of the previous answer repeated to a retry (its end is kept). */
export const MAX_PREVIOUS_ANSWER_CHARS = 12_000;

// What a retry is told of the attempt before it: its answer, its diff, and where its changes are.
function describePreviousAttempt(previous: NonNullable<PhaseContext['previousAttempt']>): string {
  const parts = ['This phase is being retried.'];
  if (previous.output) {
    const answer = previous.output.length > MAX_PREVIOUS_ANSWER_CHARS ? `… (its first ${previous.output.length - MAX_PREVIOUS_ANSWER_CHARS} characters cut)\n${previous.output.slice(-MAX_PREVIOUS_ANSWER_CHARS)}` : previous.output;
    parts.push(`Your previous attempt answered:\n<previous-answer>\n${answer}\n</previous-answer>`);
  }
  if (previous.diff) {
    parts.push(`Your previous attempt changed the files so:\n<previous-diff>\n${previous.diff}\n</previous-diff>`);
    parts.push(previous.isKept
      ? 'The user kept those changes: the files still hold them. Build on them; do not make the same change twice.'
      : `Those changes were undone: the files are as they were before this phase${previous.undoneRef ? ` (the undone changes are kept in git as ${previous.undoneRef})` : ''}. Make the changes again as needed, taking the user's words into account.`);
  }
  return parts.join('\n\n');
}
