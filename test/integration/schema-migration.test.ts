// Job folders written by the previous release (schemaVersion 1, no tasks.jsonl; recorded with
// `jobline run` of commit 06a8c37 into test/fixtures/jobs-v1) are read by this one: their fields
// keep their meaning, every attempt their logs recorded comes back as a run, and the first change
// writes them as version 2 with their tasks and runs.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { deadOwner } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/jobs-v1/', import.meta.url));
const AGENT_THREE = { type: 'command', phases: [{ name: 'analyze', run: 'echo analyzing' }, { name: 'plan', run: 'echo planning' }, { name: 'deliver', run: 'echo delivered' }] };

// A copy of the fixtures whose active jobs belong to a dead process of this machine (they were
// left by a killed jobline; on another machine their owner would be unknown, not dead).
function copyFixtures(): { cwd: string; env: Record<string, string> } {
  const cwd = makeTempDir('jobline-v1-');
  const jobsDir = join(cwd, 'jobs');
  cpSync(FIXTURES, jobsDir, { recursive: true });
  // The jobs were made in /tmp/v1ws, a folder of the machine that wrote them: they run here in a
  // folder of the test's own (a resume runs a job where it was created).
  const workspace = join(cwd, 'v1ws');
  mkdirSync(workspace);
  for (const id of readdirSync(jobsDir)) {
    for (const file of ['events.jsonl', 'job.json']) {
      const path = join(jobsDir, id, file);
      if (existsSync(path)) writeFileSync(path, readFileSync(path, 'utf8').replaceAll('/tmp/v1ws', workspace));
    }
  }
  for (const id of ['job-esy9r0pj', 'job-i4b09255']) {
    const path = join(jobsDir, id, 'job.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), owner: deadOwner() }, null, 2));
  }
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ agents: { three: AGENT_THREE } }));
  return { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } };
}

interface ShownJob {
  schemaVersion: number;
  status: string;
  phases: Array<{ name: string; attempts: number }>;
  tasks: Array<{ id: string; title: string; status: string; runs: Array<{ id: string; attempt: number; worker: string; state: { status: string } }> }>;
}

describe('reading jobs of schemaVersion 1', () => {
  it('lists every job of the previous release, with its status', async () => {
    const { cwd, env } = copyFixtures();
    const listed = await runCli(['list', '--json'], { cwd, env });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe('');
    const jobs = JSON.parse(listed.stdout) as Array<{ id: string; status: string }>;
    expect(Object.fromEntries(jobs.map((job) => [job.id, job.status]))).toEqual({
      'job-35dwp9ah': 'completed',
      'job-esy9r0pj': 'interrupted', // was awaiting approval when its jobline was killed
      'job-i4b09255': 'interrupted', // was running
      'job-oyovcehc': 'completed',
      'job-vwl3x00o': 'failed',
    });
  });

  it('shows each phase\'s task with every attempt as a run, the forgotten first attempt included', async () => {
    const { cwd, env } = copyFixtures();
    const shown = await runCli(['show', 'job-35dwp9ah', '--json'], { cwd, env });
    expect(shown.code).toBe(0);
    const job = JSON.parse(shown.stdout) as ShownJob;
    expect(job.phases.map((phase) => [phase.name, phase.attempts])).toEqual([['analyze', 1], ['plan', 2], ['deliver', 1]]);
    expect(job.tasks.map((task) => [task.id, task.title, task.status, task.runs.map((run) => [run.attempt, run.state.status])])).toEqual([
      ['t1', 'analyze', 'done', [[1, 'succeeded']]],
      ['t2', 'plan', 'done', [[1, 'succeeded'], [2, 'succeeded']]],
      ['t3', 'deliver', 'done', [[1, 'succeeded']]],
    ]);
    expect(job.tasks[0]!.runs[0]!.worker).toBe('three[35dw-0]');
    const text = await runCli(['show', '35dw'], { cwd, env });
    expect(text.stdout).toMatch(/task t2 plan · done · 2 runs\n\s+✅ r2 attempt 1 · three\[35dw-0\] · succeeded/);
    expect(text.stdout).toMatch(/✅ r3 attempt 2 · three\[35dw-0\] · succeeded/);
  });

  it('shows a failed run with its error, and a run its jobline died in as interrupted', async () => {
    const { cwd, env } = copyFixtures();
    const failed = JSON.parse((await runCli(['show', 'job-vwl3x00o', '--json'], { cwd, env })).stdout) as ShownJob;
    expect(failed.tasks[0]).toMatchObject({ status: 'failed', runs: [{ state: { status: 'failed', error: '`echo out; exit 3` exited with code 3' } }] });
    const killed = JSON.parse((await runCli(['show', 'job-i4b09255', '--json'], { cwd, env })).stdout) as ShownJob;
    expect(killed.status).toBe('interrupted');
    expect(killed.tasks[0]).toMatchObject({ status: 'todo', runs: [{ state: { status: 'interrupted' } }] });
  });

  it('writes a resumed job as version 2 with its tasks and runs, keeping the old attempts', async () => {
    const { cwd, env } = copyFixtures();
    const resumed = await runCli(['resume', 'job-esy9r0pj', '-y'], { cwd, env });
    expect(resumed.code).toBe(0);
    const dir = join(env.JOBLINE_JOBS_DIR!, 'job-esy9r0pj');
    expect(JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')).schemaVersion).toBe(2);
    expect(existsSync(join(dir, 'tasks.jsonl'))).toBe(true);
    const job = JSON.parse((await runCli(['show', 'job-esy9r0pj', '--json'], { cwd, env })).stdout) as ShownJob;
    expect(job.status).toBe('completed');
    expect(job.tasks.map((task) => [task.status, task.runs.length])).toEqual([['done', 1], ['done', 1], ['done', 1]]);
  });
});
