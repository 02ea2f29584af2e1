// Plans an agent makes for the next phase: how they are checked (parseTaskPlans), how they replace
// the next phase's placeholder on the board (and in tasks.jsonl, by a removal record), and how a
// write is checked against a task's claim (isPathInClaim).
import { describe, expect, it } from 'vitest';
import { isPathInClaim } from '../../../src/jobs/model/claims.js';
import { applyActions, type JobState } from '../../../src/jobs/model/job-state.js';
import { createPhaseTasks, type TaskRecord } from '../../../src/jobs/model/task.js';
import { foldTaskRecords } from '../../../src/jobs/model/task-history.js';
import { MAX_PLANNED_TASKS, MAX_TASK_TITLE_CHARS, parseTaskPlans } from '../../../src/jobs/model/task-plans.js';
import { findTaskListProblems } from '../../../src/task-graph.js';
import { makeJob } from '../../helpers/jobs.js';

const NOW = '2026-11-22T10:01:00.000Z';
const PLAN = [
  { title: 'api', input: 'add the route', claims: ['src/api/**'], dependsOn: [] },
  { title: 'ui', input: 'add the page', claims: ['src/ui/page.ts'], dependsOn: ['api'] },
];

function planningJob(): JobState {
  const job = makeJob({ mode: 'background', workers: 2 }, ['plan', 'implement', 'deliver']);
  return applyActions({ job, board: { tasks: createPhaseTasks(['plan', 'implement', 'deliver'], 'build it'), runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], NOW).state;
}

describe('a plan for the next phase', () => {
  it('replaces the next phase\'s placeholder with its tasks, in its place, with new ids and dependencies by id', () => {
    const change = applyActions(planningJob(), [{ type: 'completeTask', taskId: 't1', output: 'the plan', plannedTasks: PLAN }], NOW);
    expect(change.state.board.tasks.map((task) => [task.id, task.phase, task.title, task.dependsOn, task.claims])).toEqual([
      ['t1', 0, 'plan', [], []],
      ['t4', 1, 'api', [], ['src/api/**']],
      ['t5', 1, 'ui', ['t4'], ['src/ui/page.ts']],
      ['t3', 2, 'deliver', [], []],
    ]);
    // The log says so: the placeholder leaves (first), the new tasks arrive; folded, the same board.
    expect(change.records.filter((record) => record.kind === 'task').map((record) => [(record as { task: { id: string } }).task.id, 'removed' in record])).toEqual([['t2', true], ['t1', false], ['t4', false], ['t5', false]]);
    const log: TaskRecord[] = [...createPhaseTasks(['plan', 'implement', 'deliver'], 'build it').map((task): TaskRecord => ({ kind: 'task', seq: 1, task })), ...change.records];
    expect(foldTaskRecords(change.state.job, log).tasks.map((task) => task.id)).toEqual(['t1', 't4', 't5', 't3']);
  });

  it('is replaced by the next plan when the plan phase is retried, and never rewrites a phase that has run', () => {
    const job = makeJob({ mode: 'interactive', workers: 2 }, ['plan', 'implement']);
    let state = applyActions({ job, board: { tasks: createPhaseTasks(['plan', 'implement'], 'x'), runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], NOW).state;
    state = applyActions(state, [{ type: 'completeTask', taskId: 't1', output: 'v1', plannedTasks: PLAN }], NOW).state;
    state = applyActions(state, [{ type: 'retry', feedback: 'one task' }, { type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], NOW).state;
    state = applyActions(state, [{ type: 'completeTask', taskId: 't1', output: 'v2', plannedTasks: [PLAN[0]!] }], NOW).state;
    expect(state.board.tasks.map((task) => [task.id, task.title])).toEqual([['t1', 'plan'], ['t5', 'api']]);
  });

  it('is ignored for a next phase that has already run', () => {
    let state = planningJob();
    state = { ...state, board: { ...state.board, tasks: state.board.tasks.map((task) => (task.id === 't2' ? { ...task, attempts: 1 } : task)) } };
    const change = applyActions(state, [{ type: 'completeTask', taskId: 't1', output: 'the plan', plannedTasks: PLAN }], NOW);
    expect(change.state.board.tasks.map((task) => task.id)).toEqual(['t1', 't2', 't3']);
    expect(change.records.some((record) => record.kind === 'task' && record.removed)).toBe(false);
  });

  it('is ignored when empty (the next phase keeps its task), and drops a dependency on a task it does not list', () => {
    const empty = applyActions(planningJob(), [{ type: 'completeTask', taskId: 't1', output: 'nothing to do', plannedTasks: [] }], NOW);
    expect(empty.state.board.tasks.map((task) => [task.id, task.title])).toEqual([['t1', 'plan'], ['t2', 'implement'], ['t3', 'deliver']]);
    const change = applyActions(planningJob(), [{ type: 'completeTask', taskId: 't1', output: 'plan', plannedTasks: [{ title: 'api', input: 'x', claims: [], dependsOn: ['elsewhere'] }] }], NOW);
    expect(change.state.board.tasks.find((task) => task.title === 'api')).toMatchObject({ id: 't4', dependsOn: [], isPlanned: true, status: 'todo', attempts: 0 });
  });

  it('is ignored when any task of the next phase has run, even if others have not', () => {
    let state = applyActions(planningJob(), [{ type: 'completeTask', taskId: 't1', output: 'v1', plannedTasks: PLAN }], NOW).state;
    // The plan phase runs again (its retry) while one planned task has run and the other has not.
    state = { ...state, board: { ...state.board, tasks: state.board.tasks.map((task) => (task.id === 't4' ? { ...task, attempts: 1, status: 'done' as const } : task.id === 't1' ? { ...task, status: 'claimed' as const } : task)) } };
    state = { ...state, job: { ...state.job, currentPhase: 0, status: 'running', phases: state.job.phases.map((phase, index) => (index === 0 ? { ...phase, status: 'running' as const } : phase)) }, board: { ...state.board, runs: state.board.runs.map((run) => (run.taskId === 't1' ? { ...run, state: { status: 'running' as const } } : run)) } };
    const change = applyActions(state, [{ type: 'completeTask', taskId: 't1', output: 'v2', plannedTasks: [PLAN[0]!] }], NOW);
    expect(change.state.board.tasks.map((task) => [task.id, task.title])).toEqual([['t1', 'plan'], ['t4', 'api'], ['t5', 'ui'], ['t3', 'deliver']]);
  });

  it('is ignored from the last phase (no phase follows)', () => {
    const job = makeJob({ mode: 'background' }, ['only']);
    const state = applyActions({ job, board: { tasks: createPhaseTasks(['only'], 'x'), runs: [] } }, [{ type: 'start' }, { type: 'startPhase', taskId: 't1', worker: 0 }], NOW).state;
    const change = applyActions(state, [{ type: 'completeTask', taskId: 't1', output: 'ok', plannedTasks: PLAN }], NOW);
    expect(change.state.board.tasks.map((task) => task.id)).toEqual(['t1']);
    expect(change.state.job.status).toBe('completed');
  });
});

describe('parseTaskPlans', () => {
  it('takes a plan of exactly the most tasks allowed, and titles of exactly the longest length', () => {
    const most = Array.from({ length: MAX_PLANNED_TASKS }, (_, i) => ({ title: `t${i}`, description: 'x' }));
    expect('plans' in parseTaskPlans(most)).toBe(true);
    expect(parseTaskPlans([{ title: 'x'.repeat(MAX_TASK_TITLE_CHARS), description: 'y' }])).toMatchObject({ plans: [{ title: 'x'.repeat(MAX_TASK_TITLE_CHARS), input: 'y', claims: [], dependsOn: [] }] });
    // A diamond is not a circle: d waits for b and c, which both wait for a.
    expect(findTaskListProblems([{ name: 'a', dependsOn: [] }, { name: 'b', dependsOn: ['a'] }, { name: 'c', dependsOn: ['a'] }, { name: 'd', dependsOn: ['b', 'c'] }], 'x')).toEqual([]);
  });

  it('reads the create_tasks shape and a module agent\'s', () => {
    expect(parseTaskPlans([{ title: ' a ', description: 'do a', files: ['src/a.ts'] }, { title: 'b', input: 'do b', claims: [], dependsOn: ['a'] }])).toEqual({
      plans: [
        { title: 'a', input: 'do a', claims: ['src/a.ts'], dependsOn: [] },
        { title: 'b', input: 'do b', claims: [], dependsOn: ['a'] },
      ],
    });
  });

  it.each([
    [[], 'tasks must be a non-empty array'],
    ['x', 'tasks must be a non-empty array'],
    [Array.from({ length: MAX_PLANNED_TASKS + 1 }, (_, i) => ({ title: `t${i}`, description: 'x' })), `at most ${MAX_PLANNED_TASKS} tasks`],
    [[{ description: 'x' }], 'task 1 needs a title'],
    [[{ title: 'a\nb', description: 'x' }], 'task 1 needs a title'],
    [[{ title: 'a' }], 'task 1 (a) needs a description'],
    [[{ title: 'a', description: '   ' }], 'task 1 (a) needs a description'],
    [[{ description: 'x', title: 'x'.repeat(MAX_TASK_TITLE_CHARS + 1) }], 'task 1 needs a title: one line of 1 to 120 characters'],
    [[null], 'task 1 is not an object'],
    [['a string'], 'task 1 is not an object'],
    [[{ title: 'a', description: 'x', files: ['  '] }], 'task 1 claims "  "'],
    [[{ title: 'a', description: 'x', files: ['src/../../x'] }], 'task 1 claims "src/../../x"'],
    [[{ title: 'a', description: 'x', dependsOn: [3] }], 'task 1 dependsOn must be an array of strings'],
    [[{ title: 'a', description: 'x', dependsOn: ['b'] }, { title: 'b', description: 'y', dependsOn: ['c'] }, { title: 'c', description: 'z', dependsOn: ['b'] }], 'depend on each other in a circle: b → c → b'],
    [[{ title: 'a', description: 'x', files: ['../etc/passwd'] }], 'files are paths or globs relative to the workspace, inside it'],
    [[{ title: 'a', description: 'x', files: ['/etc/passwd'] }], 'inside it'],
    [[{ title: 'a', description: 'x', files: 'src' }], 'task 1 files must be an array of strings'],
    [[{ title: 'a', description: 'x' }, { title: 'a', description: 'y' }], 'the plan has two tasks named a'],
    [[{ title: 'a', description: 'x', dependsOn: ['zz'] }], 'task a depends on zz, which is not a task of the plan'],
    [[{ title: 'a', description: 'x', dependsOn: ['b'] }, { title: 'b', description: 'y', dependsOn: ['a'] }], 'depend on each other in a circle: a → b → a'],
  ])('refuses %j: %s', (raw, problem) => {
    const parsed = parseTaskPlans(raw);
    expect('problems' in parsed && parsed.problems.join('; ')).toContain(problem);
  });

  it('finds no problem in a sound list', () => {
    expect(findTaskListProblems([{ name: 'a', dependsOn: [] }, { name: 'b', dependsOn: ['a'] }], 'x')).toEqual([]);
  });
});

describe('isPathInClaim', () => {
  it.each([
    ['src/a.ts', 'src/a.ts', true],
    ['src/a.ts', './src/a.ts', true],
    ['src/a.ts', 'src', true],
    ['src/a.ts', 'src/', true],
    ['srcx/a.ts', 'src', false],
    ['src/a.ts', 'src/*.ts', true],
    ['src/deep/a.ts', 'src/*.ts', false],
    ['src/deep/a.ts', 'src/**', true],
    ['src/a.css', 'src/**/*.ts', false],
    ['README.md', 'src/**', false],
    // Claims are read as doClaimsOverlap reads them: `.` and empty segments do not count.
    ['src/a.ts', 'src/./a.ts', true],
    ['src/a.ts', 'src//a.ts//', true],
    ['src/a.ts', '././src', true],
    ['anything/at/all', '.', true], // the whole folder
    ['anything', './', true],
    ['src/.env', 'src/*', true], // dot files are matched
    ['src/.env', './src/*', true],
    ['src/a.ts', 'src/a', false], // a literal claim names a whole segment
  ])('%s in %s: %s', (path, claim, expected) => {
    expect(isPathInClaim(path, claim)).toBe(expected);
  });
});
