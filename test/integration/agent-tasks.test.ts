// A command agent whose phase lists tasks, through the real CLI (worker threads, shells): the
// tasks run side by side up to the job's workers, a task waits for the tasks it depends on, two
// tasks whose claims overlap never run at once, and a config whose tasks do not hold together is
// refused before any job exists.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/agents/agent.js';
import type { Job } from '../../src/jobs/model/job.js';
import { makeManager } from '../helpers/jobs.js';
import { waitForProcesses, waitForProcessesToExit } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';

function workspace(agents: object, extra: object = {}): { cwd: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ agents, ...extra }));
  return { cwd, env: { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs') } };
}

// Each of `names` says it started, then waits (up to 10 s) until all of them have: it ends only
// if they all ran at the same time, and fails otherwise.
const barrier = (name: string, names: string[]): string =>
  `touch started-${name}; for i in $(seq 100); do ${names.map((other) => `[ -e started-${other} ]`).join(' && ')} && { touch done-${name}; exit 0; }; sleep 0.1; done; exit 9`;

describe('a command agent whose phase lists tasks', () => {
  it('runs them side by side up to its workers, each after the tasks it depends on, then the next phase', async () => {
    const checks = ['lint', 'typecheck', 'test'];
    const { cwd, env } = workspace({
      ci: {
        type: 'command',
        workers: 3,
        phases: [
          {
            name: 'checks',
            tasks: [
              ...checks.map((name) => ({ name, run: barrier(name, checks) })),
              { name: 'report', run: 'ls done-* > report.txt', dependsOn: ['lint', 'test'] },
            ],
          },
          { name: 'build', run: 'echo built >> build.txt; cat report.txt' },
        ],
      },
    });
    const { code } = await runCli(['run', '-y', '--agent', 'ci', 'check the project'], { cwd, env });
    expect(code).toBe(0);
    const [listed] = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[];
    type Shown = Job & { tasks: Array<{ id: string; title: string; status: string; dependsOn: string[]; runs: Array<{ worker: string }> }> };
    const job = JSON.parse((await runCli(['show', listed!.id, '--json'], { cwd, env })).stdout) as Shown;
    expect(job.status).toBe('completed');
    // report ran once lint and test were done (typecheck may still have been finishing).
    expect(readFileSync(join(cwd, 'report.txt'), 'utf8')).toMatch(/done-lint\n(?:done-test|done-typecheck\ndone-test)/);
    expect(readFileSync(join(cwd, 'build.txt'), 'utf8')).toBe('built\n');
    expect(job.tasks.map((task) => [task.id, task.title, task.status, task.dependsOn])).toEqual([
      ['t1', 'lint', 'done', []],
      ['t2', 'typecheck', 'done', []],
      ['t3', 'test', 'done', []],
      ['t4', 'report', 'done', ['t1', 't3']],
      ['t5', 'build', 'done', []],
    ]);
    const prefix = job.id.slice(4, 8);
    expect(new Set(job.tasks.slice(0, 3).map((task) => task.runs[0]!.worker))).toEqual(new Set([0, 1, 2].map((n) => `ci[${prefix}-${n}]`)));

    // jobline logs ID TASK: one task's output, by id or by title (its run's file, or its
    // section of output.log for a phase's only task); an unknown task is named.
    const report = await runCli(['logs', job.id, 'rep'], { cwd, env });
    expect(report.stderr).toMatch(new RegExp(`t4 report · r\\d attempt 1 · ci\\[${prefix}-\\d\\] · succeeded`));
    // It printed nothing, so its run left no file: the heading says which run, and that it was silent.
    expect(report.stdout).toBe('');
    expect(report.stderr).toContain('(no output)');
    const build = await runCli(['logs', job.id, 't5'], { cwd, env });
    expect(build.stdout).toMatch(/── phase 2\/2 build · attempt 1 · .* ──\ndone-lint\n/);
    expect(build.stdout).not.toContain('phase 1/2');
    const unknown = await runCli(['logs', job.id, 'deploy'], { cwd, env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain(`${job.id} has no task "deploy"`);
  });

  it('never runs two tasks whose claims overlap at once, and runs the others beside them', async () => {
    // Each claimant holds a lock folder while it works: a second holder at the same time fails.
    const locked = (name: string): string => `mkdir lock || exit 9; echo ${name} >> order; sleep 0.3; rmdir lock`;
    const { cwd, env } = workspace({
      edit: {
        type: 'command',
        workers: 3,
        phases: [{
          name: 'edit',
          tasks: [
            { name: 'a', run: locked('a'), claims: ['src/auth/**'] },
            { name: 'b', run: locked('b'), claims: ['src/auth/login.ts'] },
            { name: 'c', run: 'echo c >> free', claims: ['docs/**'] },
          ],
        }],
      },
    });
    const { code, stderr } = await runCli(['run', '-y', '--agent', 'edit', 'edit the code'], { cwd, env });
    expect(stderr).toMatch(/✅ job-\w{8}( [\w.-]+)? completed/);
    // The task held back says why, once.
    expect(stderr.match(/⏸ t2 waits: src\/auth\/login.ts is claimed by t1/g)).toHaveLength(1);
    expect(code).toBe(0);
    expect(readFileSync(join(cwd, 'order'), 'utf8').trim().split('\n').sort()).toEqual(['a', 'b']);
    expect(readFileSync(join(cwd, 'free'), 'utf8')).toBe('c\n');
  });

  it.each([
    [[{ name: 'a', run: 'true', dependsOn: ['b'] }, { name: 'b', run: 'true', dependsOn: ['a'] }], 'tasks of phase p depend on each other in a circle: a → b → a'],
    [[{ name: 'a', run: 'true', dependsOn: ['zz'] }], 'task a depends on zz, which is not a task of phase p'],
    [[{ name: 'a', run: 'true' }, { name: 'a', run: 'false' }], 'phase p has two tasks named a'],
  ])('refuses tasks that do not hold together, before any job exists (%#)', async (tasks, message) => {
    const { cwd, env } = workspace({ bad: { type: 'command', phases: [{ name: 'p', tasks }] } });
    const { code, stderr } = await runCli(['run', '-y', '--agent', 'bad', 'go'], { cwd, env });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('jobline run with a phase of several tasks', () => {
  it('shows each task\'s lines marked with its task, its failure, and where its whole output is', async () => {
    const { cwd, env } = workspace({
      ci: { type: 'command', workers: 2, phases: [{ name: 'checks', tasks: [{ name: 'lint', run: 'echo lint is clean' }, { name: 'test', run: 'echo 2 tests failed; exit 3' }] }] },
    });
    const { code, stdout, stderr } = await runCli(['run', '-y', '--agent', 'ci', 'check'], { cwd, env });
    expect(code).toBe(1);
    // Output on stdout, as a phase's own output is; what jobline says on stderr.
    expect(stdout).toContain('t1 │ lint is clean');
    expect(stdout).toContain('t2 │ 2 tests failed');
    expect(stderr).toMatch(/❌ t2: `echo 2 tests failed; exit 3` exited with code 3/);
    expect(stderr).toMatch(/t2's output: jobline logs job-\w{8} t2/);
  });
});

describe('jobs of several tasks in one session (real worker threads and shells)', () => {
  const lockedAgent = (name: string, workers: number): AgentSpec => ({
    type: 'command',
    name,
    summary: name,
    workers,
    // Each task holds a lock folder while it works: two holders at once make the second fail.
    phases: [{ name: 'edit', tasks: [{ name: 'auth', run: 'mkdir lock || exit 9; echo "$JOB_ID" >> order; sleep 0.3; rmdir lock', dependsOn: [], claims: ['src/auth.ts'] }] }],
  });

  it('never runs two tasks whose claims overlap at once across two jobs in one folder, and says who waits', async () => {
    const cwd = makeTempDir();
    const manager = makeManager({ maxWorkers: 4 });
    const activities: string[] = [];
    manager.on('jobActivity', (job, icon, text) => activities.push(`${job.id} ${icon} ${text}`));
    const first = await manager.submit({ agent: lockedAgent('a', 1), prompt: 'one', mode: 'background', cwd });
    const second = await manager.submit({ agent: lockedAgent('b', 1), prompt: 'two', mode: 'background', cwd });
    await manager.whenIdle();
    expect([manager.get(first.job.id).status, manager.get(second.job.id).status]).toEqual(['completed', 'completed']);
    expect(readFileSync(join(cwd, 'order'), 'utf8').trim().split('\n')).toEqual([first.job.id, second.job.id]);
    expect(activities).toEqual([`${second.job.id} ⏸ t1 waits: src/auth.ts is claimed by ${first.job.id.slice(0, 8)} t1`]);
    await manager.shutdown();
  });

  it('cancels every run of a job at once: no shell of it is left', async () => {
    const cwd = makeTempDir();
    const manager = makeManager({ maxWorkers: 3 });
    // A sleep of a length no other process has: its command line finds the task's processes.
    const marker = `600.${process.pid}${Date.now() % 1000}`;
    const waitForever = (name: string) => ({ name, run: `sleep ${marker}`, dependsOn: [], claims: [] });
    const agent: AgentSpec = { type: 'command', name: 'long', summary: 'long', workers: 3, phases: [{ name: 'run', tasks: ['a', 'b', 'c'].map(waitForever) }] };
    const { job } = await manager.submit({ agent, prompt: 'x', mode: 'background', cwd });
    const pids = await waitForProcesses(`sleep ${marker}`, 3);
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(manager.get(job.id).status).toBe('cancelled');
    expect(await waitForProcessesToExit(pids)).toEqual([]);
    const board = (await manager.store.readBoard(manager.get(job.id))).board;
    expect(board.runs.map((run) => run.state.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    await manager.shutdown();
  });
});

describe('a module agent that returns tasks', () => {
  it('plans the next phase: each task runs with its task context, and a plan that breaks the rules fails the phase', async () => {
    const agentModule = `
      import { appendFileSync } from 'node:fs';
      import { join } from 'node:path';
      export async function runPhase(context) {
        if (context.phaseName === 'plan') {
          if (context.prompt === 'bad plan') return { kind: 'completed', output: 'oops', tasks: [{ title: 'a', description: 'x', dependsOn: ['nope'] }] };
          return { kind: 'completed', output: 'two parts', tasks: [
            { title: 'docs', description: 'write the docs', files: ['docs/**'] },
            { title: 'code', description: 'write the code', files: ['src/**'], dependsOn: ['docs'] },
          ] };
        }
        appendFileSync(join(context.cwd, 'done.txt'), context.task.id + ' ' + context.task.title + ' ' + context.task.claims.join(',') + ' ' + context.prompt + '\\n');
        return { kind: 'completed', output: context.task.title + ' done', filesModified: context.task.claims };
      }
    `;
    const { cwd, env } = workspace({ planner: { type: 'module', module: './planner.mjs', workers: 2, phases: [{ name: 'plan' }, { name: 'work' }] } });
    writeFileSync(join(cwd, 'planner.mjs'), agentModule);
    const { code } = await runCli(['run', '-y', '--agent', 'planner', 'build it'], { cwd, env });
    expect(code).toBe(0);
    // code depends on docs: they ran in that order, each with the job's prompt and its task.
    expect(readFileSync(join(cwd, 'done.txt'), 'utf8')).toBe('t3 docs docs/** build it\nt4 code src/** build it\n');
    const [listed] = JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[];
    type Shown = Job & { tasks: Array<{ id: string; title: string; filesModified: string[] }> };
    const job = JSON.parse((await runCli(['show', listed!.id, '--json'], { cwd, env })).stdout) as Shown;
    expect(job.tasks.map((task) => [task.id, task.title, task.filesModified])).toEqual([['t1', 'plan', []], ['t3', 'docs', ['docs/**']], ['t4', 'code', ['src/**']]]);

    const bad = await runCli(['run', '-y', '--agent', 'planner', 'bad plan'], { cwd, env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the phase returned tasks that cannot run: task a depends on nope, which is not a task of the plan');
  });
});
