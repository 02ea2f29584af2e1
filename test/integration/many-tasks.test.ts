// A job of many tasks from the command line, with real CLI processes: `jobline logs` prints the
// whole output in time order with each task's lines marked (`t35 │`), `--failed` and `--task`
// the runs asked for, `-f` follows runs side by side; `jobline tasks` lists the tasks running,
// failed, waiting, then done; `show` says the job's wall time, files that exist, commands that exist.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

function workspace(config: object = {}): { cwd: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  return { cwd, env: { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs') } };
}

// Lines 7, 23 and 41 of 50 fail; each line prints two lines.
const FAILING = new Set([7, 23, 41]);
const LINES = Array.from({ length: 50 }, (_, index) => `echo L${index + 1} a; echo L${index + 1} b${FAILING.has(index + 1) ? `; exit ${index + 1}` : ''}`);

describe('a job of many tasks on the command line', () => {
  it('logs prints every task\'s lines marked with it, in order; --failed and --task the runs asked for; tasks lists them failed first', async () => {
    const { cwd, env } = workspace();
    writeFileSync(join(cwd, 'lines.txt'), `${LINES.join('\n')}\n`);
    const batch = await runCli(['batch', 'lines.txt', '-j', '3'], { cwd, env });
    const id = /^Batch (job-[a-z0-9]{8}):/m.exec(batch.stdout)![1]!;

    const all = await runCli(['logs', id], { cwd, env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^── phase 1\/1 run · attempt 1 · .* UTC ──$/);
    expect(lines).toHaveLength(1 + 100);
    // Each task's two lines, together, marked with the task (ids padded to line up), every task once.
    const body = lines.slice(1);
    for (let index = 0; index < body.length; index += 2) {
      const [, task, number] = /^(t\d+) *│ L(\d+) a$/.exec(body[index]!)!;
      expect(task).toBe(`t${number}`);
      expect(body[index + 1]).toBe(`${task!.padEnd(3)} │ L${number} b`);
    }
    expect(new Set(body.map((line) => line.split(' ')[0])).size).toBe(50);
    expect(body.filter((line) => line.startsWith('t7 ')).join('\n')).toBe('t7  │ L7 a\nt7  │ L7 b');

    const failed = await runCli(['logs', id, '--failed'], { cwd, env });
    expect(failed.stdout.trimEnd().split('\n').slice(1)).toEqual(['t7  │ L7 a', 't7  │ L7 b', 't23 │ L23 a', 't23 │ L23 b', 't41 │ L41 a', 't41 │ L41 b']);
    expect(failed.stderr.match(/^t\d+ .* · r\d+ attempt 1 · sh\[\w{4}-\d\] · failed · job-\w{8}$/gm)).toHaveLength(3);
    const one = await runCli(['logs', id, '--task', 't23'], { cwd, env });
    expect(one.stdout.trimEnd().split('\n').slice(1)).toEqual(['t23 │ L23 a', 't23 │ L23 b']);
    expect((await runCli(['logs', id, 't23'], { cwd, env })).stdout).toBe(one.stdout);

    const tasks = await runCli(['tasks', id], { cwd, env });
    expect(tasks.code).toBe(0);
    const rows = tasks.stdout.split('\n').filter((line) => /^ \S+ t\d+ /.test(line)).map((line) => line.trim().split(/\s+/).slice(1, 3).join(' '));
    expect(rows.slice(0, 4)).toEqual(['t7 failed', 't23 failed', 't41 failed', 't1 done']);
    expect(rows).toHaveLength(50);
    expect(tasks.stdout).toContain(`Output of the failed tasks: jobline logs ${id} --failed`);
    const onlyFailed = await runCli(['tasks', id, '--status', 'failed'], { cwd, env });
    expect(onlyFailed.stdout).toContain(`47 tasks of other statuses hidden (jobline tasks ${id} lists them)`);
    const json = JSON.parse((await runCli(['tasks', id, '--status', 'failed', '--json'], { cwd, env })).stdout) as Array<{ id: string; runs: Array<{ state: { status: string } }> }>;
    expect(json.map((task) => [task.id, task.runs.map((run) => run.state.status)])).toEqual([['t7', ['failed']], ['t23', ['failed']], ['t41', ['failed']]]);
    const bad = await runCli(['tasks', id, '--status', 'broken'], { cwd, env });
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "jobline: 'broken' is not a task status. Use failed, running, waiting, done or not-run (several: failed,running)."]);

    // show: the wall time as list says it, only files that exist, and commands that exist.
    const shown = await runCli(['show', id], { cwd, env });
    const listed = await runCli(['list'], { cwd, env });
    const elapsed = /Elapsed: +(\S+)/.exec(shown.stdout)![1]!;
    expect(listed.stdout).toContain(`ran ${elapsed}`);
    const files = shown.stdout.slice(shown.stdout.indexOf('Files:')).split('\n').slice(1).filter(Boolean).map((line) => line.trim().split(' ')[0]!);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) expect(existsSync(file)).toBe(true);
    expect(shown.stdout).toContain(`runs/ (50 run logs; jobline logs ${id} prints them in order)`);
    expect(shown.stdout).toContain(`(jobline tasks ${id} lists every task)`);
    expect(shown.stdout).toMatch(/⚠️ {2}1\. run +completed +1 attempt .* · 3 tasks failed/);
  });

  it('show and list count the time of every attempt of a resumed batch, not only its last', async () => {
    const { cwd, env } = workspace();
    writeFileSync(join(cwd, 'lines.txt'), 'sleep 1.2\nexit 3\n');
    const batch = await runCli(['batch', 'lines.txt', '-j', '2'], { cwd, env });
    const id = /^Batch (job-[a-z0-9]{8}):/m.exec(batch.stdout)![1]!;
    expect((await runCli(['resume', id, '--retry-failed', '-y'], { cwd, env })).code).toBe(1);
    const shown = await runCli(['show', id], { cwd, env });
    const elapsed = /Elapsed: +(\S+)/.exec(shown.stdout)![1]!;
    // The first attempt ran `sleep 1.2`; the resume only `exit 3` again.
    expect(elapsed).toMatch(/^\d+\.\ds$/);
    expect(Number.parseFloat(elapsed)).toBeGreaterThanOrEqual(1.2);
    expect((await runCli(['list'], { cwd, env })).stdout).toContain(`ran ${elapsed}`);
  });

  it('batch and run say once, on stderr, when -j asks for more workers than this machine runs at once', async () => {
    const { cwd, env } = workspace({ maxWorkers: 3 });
    const said = (stderr: string): string[] => stderr.split('\n').filter((line) => line.includes('run at once'));
    const batch = await runCli(['batch', '-j', '8', '-'], { cwd, env, input: 'true\ntrue\ntrue\ntrue\n' });
    expect(batch.code).toBe(0);
    expect(said(batch.stderr)).toEqual(['ℹ️  -j 8: at most 3 run at once on this machine (maxWorkers in the config)']);
    expect(batch.stdout).not.toContain('run at once');
    expect(said((await runCli(['batch', '-j', '3', '-'], { cwd, env, input: 'true\ntrue\n' })).stderr)).toEqual([]);
    const run = await runCli(['run', '-y', '-j', '5', 'true'], { cwd, env });
    expect([run.code, said(run.stderr)]).toEqual([0, ['ℹ️  -j 5: at most 3 run at once on this machine (maxWorkers in the config)']]);
  });

  it('batch says the job it started at once, on stderr; stdout holds the summary, or the JSON with --json', async () => {
    const { cwd, env } = workspace();
    const go = join(cwd, 'go');
    const batch = startCli(['batch', '-n', 'night-run', '--json', '-'], { cwd, env, input: `until [ -f ${go} ]; do sleep 0.02; done\ntrue\n` });
    let stderr = '';
    batch.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // Said while its first task still waits: the id comes before any failure or progress line.
      await waitFor(() => /^✅ Started job-[a-z0-9]{8} night-run \(sh\) · 2 tasks$/m.test(stderr), 'the Started line');
    } finally {
      writeFileSync(go, ''); // the batch ends either way
    }
    const id = /Started (job-[a-z0-9]{8})/.exec(stderr)![1]!;
    expect(stderr.split('\n').find((line) => line.includes(id))).toBe(`✅ Started ${id} night-run (sh) · 2 tasks`);
    const result = await batch.result;
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { id: string }).id).toBe(id);
    expect(result.stderr).toContain(`Batch ${id}: 2 tasks in`);
  });

  it('logs -f follows runs side by side as their lines come, and ends with the job', async () => {
    const wait = 'while [ ! -e go ]; do sleep 0.02; done';
    const { cwd, env } = workspace({
      agents: {
        ci: {
          type: 'command',
          workers: 3,
          phases: [
            { name: 'prep', run: 'echo prepared' },
            { name: 'checks', tasks: ['lint', 'test', 'types'].map((name) => ({ name, run: `echo ${name} began; ${wait}; echo ${name} ended` })) },
            { name: 'build', run: 'echo built' },
          ],
        },
      },
    });
    const running = startCli(['run', '-y', '--agent', 'ci', 'check'], { cwd, env });
    let id = '';
    await waitFor(async () => {
      const listed = JSON.parse((await runCli(['list', 'running', '--json'], { cwd, env })).stdout || '[]') as Array<{ id: string }>;
      id = listed[0]?.id ?? '';
      return id;
    }, 'the job to run');
    const following = startCli(['logs', '-f', id], { cwd, env });
    let followed = '';
    following.child.stdout!.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    await waitFor(() => ['lint', 'test', 'types'].every((name) => followed.includes(`${name} began`)), 'the three tasks to begin', 15_000);
    writeFileSync(join(cwd, 'go'), '');
    const { code, stdout } = await following.result;
    expect(code).toBe(0);
    expect((await running.result).code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const body = lines.filter((line) => !line.startsWith('──'));
    expect(body[0]).toBe('prepared');
    expect(new Set(body.slice(1, 4))).toEqual(new Set(['t2 │ lint began', 't3 │ test began', 't4 │ types began']));
    expect(new Set(body.slice(4, 7))).toEqual(new Set(['t2 │ lint ended', 't3 │ test ended', 't4 │ types ended']));
    expect(body.slice(7)).toEqual(['built']);
    expect(lines.filter((line) => line.startsWith('──')).map((line) => /phase \d\/3 \w+/.exec(line)![0])).toEqual(['phase 1/3 prep', 'phase 2/3 checks', 'phase 3/3 build']);
  });
});
