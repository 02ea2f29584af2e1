// The rules every list of named tasks with dependencies keeps (a command agent's configured tasks,
// an agent's plan): unique names, dependencies that name a task of the list, no circle. A leaf
// module, so the config and the job model both use it without depending on each other.

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
