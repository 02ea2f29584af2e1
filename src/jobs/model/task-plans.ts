// Plans an agent makes for its next phase (an LLM's create_tasks call, a module agent's returned
// tasks), checked before they reach a job: the task-list rules of task-graph.ts (the same a
// command agent's configured tasks keep), claims that are relative paths inside the workspace,
// and limits on size. Pure.
import type { TaskPlan } from './task.js';
import { findTaskListProblems } from '../../task-graph.js';
import { findClaimPathProblem } from './claims.js';

/** Most tasks one plan may create (a model asked for a plan of thousands is refused, not obeyed). */
export const MAX_PLANNED_TASKS = 100;
/** Longest task title, in characters. */
export const MAX_TASK_TITLE_CHARS = 120;

/**
 * Reads a plan an agent produced: an array of `{ title, description | input, files | claims,
 * dependsOn }` (the create_tasks tool's shape, or a module agent's). Returns the tasks, or the
 * problems found (each one sentence, to hand back to the model or to fail the phase with).
 */
export function parseTaskPlans(raw: unknown): { plans: TaskPlan[] } | { problems: string[] } {
  if (!Array.isArray(raw) || raw.length === 0) return { problems: ['tasks must be a non-empty array'] };
  if (raw.length > MAX_PLANNED_TASKS) return { problems: [`a plan has at most ${MAX_PLANNED_TASKS} tasks; this one has ${raw.length}`] };
  const problems: string[] = [];
  const plans: TaskPlan[] = [];
  raw.forEach((item: unknown, index) => {
    const where = `task ${index + 1}`;
    if (!item || typeof item !== 'object') {
      problems.push(`${where} is not an object`);
      return;
    }
    const fields = item as Record<string, unknown>;
    const title = typeof fields.title === 'string' ? fields.title.trim() : '';
    if (!title || title.length > MAX_TASK_TITLE_CHARS || /[\n\r]/.test(title)) problems.push(`${where} needs a title: one line of 1 to ${MAX_TASK_TITLE_CHARS} characters`);
    const input = fields.description ?? fields.input;
    if (typeof input !== 'string' || input.trim() === '') problems.push(`${where} (${title || 'untitled'}) needs a description`);
    const claims = readStrings(fields.files ?? fields.claims ?? [], `${where} files`, problems);
    for (const claim of claims) {
      if (findClaimPathProblem(claim)) problems.push(`${where} claims ${JSON.stringify(claim)}: files are paths or globs relative to the workspace, inside it`);
    }
    const dependsOn = readStrings(fields.dependsOn ?? [], `${where} dependsOn`, problems);
    plans.push({ title, input: typeof input === 'string' ? input : '', claims, dependsOn });
  });
  problems.push(...findTaskListProblems(plans.map((plan) => ({ name: plan.title, dependsOn: plan.dependsOn })), 'the plan'));
  return problems.length > 0 ? { problems } : { plans };
}

function readStrings(value: unknown, what: string, problems: string[]): string[] {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  problems.push(`${what} must be an array of strings`);
  return [];
}
