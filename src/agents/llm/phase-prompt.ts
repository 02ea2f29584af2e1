// The first message of an LLM phase: the user's request, what the user asked of a retry, the
// earlier phases' results and, for one task of a phase of several, that task and the files it
// may change.
import type { LlmPhaseSpec, PhaseContext } from '../agent.js';

/** Builds the phase's first user message from `context`. */
export function buildPhasePrompt(phase: LlmPhaseSpec, context: PhaseContext): string {
  const parts = [`Request: ${context.prompt}`];
  if (context.feedback) parts.push(`The user reviewed your previous attempt at this phase and asks: ${context.feedback}`);
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
