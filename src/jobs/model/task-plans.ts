// Task lists that come from outside the model: an agent's plan (an LLM's create_tasks call, a
// module agent's returned tasks) and a command agent's configured tasks. One set of rules for all
// of them: unique titles, dependencies that name a task of the list, no circle, claims that are
// relative paths inside the workspace. Pure.
import type { TaskPlan } from './task.js';

/** Most tasks one plan may create (a model asked for a plan of thousands is refused, not obeyed). */
export const MAX_PLANNED_TASKS = 100;
/** Longest task title, in characters. */
export const MAX_TASK_TITLE_CHARS = 120;

/**
 * What is wrong with a list of tasks that name their dependencies by name: a name used twice, a
 * dependency that names no task of the list, a circle of dependencies. Each problem is one
 * sentence naming `scope` (e.g. `phase checks`, `the plan`). Empty when the list is sound.
 */
export function findTaskListProblems(tasks: ReadonlyArray<{ name: string; dependsOn: readonly string[] }>, scope: string): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const task of tasks) {
    if (names.has(task.name)) problems.push(`${scope} has two tasks named ${task.name}`);
    names.add(task.name);
  }
  for (const task of tasks) {
    for (const dependency of task.dependsOn) if (!names.has(dependency)) problems.push(`task ${task.name} depends on ${dependency}, which is not a task of ${scope}`);
  }
  const cycle = findDependencyCycle(tasks);
  if (cycle) problems.push(`tasks of ${scope} depend on each other in a circle: ${cycle.join(' → ')}`);
  return problems;
}

/** The names along a circle of dependencies among `tasks` (the first name repeated at the end), or null. */
export function findDependencyCycle(tasks: ReadonlyArray<{ name: string; dependsOn: readonly string[] }>): string[] | null {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const task of tasks) {
    const cycle = visit(task.name);
    if (cycle) return cycle;
  }
  return null;
}

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
      if (claim.startsWith('/') || claim.split('/').includes('..') || claim.trim() === '') problems.push(`${where} claims ${JSON.stringify(claim)}: files are paths or globs relative to the workspace, inside it`);
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
