// SIGKILL through the front ends a user really runs: `jobline batch`, and the REPL while it answers
// an approval, a retry and a resume. One jobs folder is kept across every kill, with the default
// maxUnfinishedJobs of 10. After each kill the folder must read truthfully: every job.json parses,
// nothing reads as active, and every log agrees with its job.json.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { parseJobFile } from '../../src/store/job-file.js';
import { runCli, startCli, startPipedRepl } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { recordResult, scaled } from './scale.js';

const SCENARIOS = ['batch', 'approve', 'retry', 'resume'] as const;

/** Problems with the folder after a kill (empty when it reads truthfully). */
async function check(cwd: string, jobsDir: string): Promise<string[]> {
  const problems: string[] = [];
  const { code, stdout, stderr } = await runCli(['list', '--json'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
  if (code !== 0) return [`list failed: ${stderr}`];
  for (const job of JSON.parse(stdout) as Job[]) {
    if (['queued', 'running', 'awaiting_approval'].includes(job.status)) problems.push(`${job.id} reads as ${job.status} after its jobline was killed`);
  }
  for (const id of readdirSync(jobsDir).filter((name) => name.startsWith('job-'))) {
    const path = join(jobsDir, id, 'job.json');
    if (!existsSync(path)) continue; // killed between mkdir and the first write: nobody was told of it
    let job: Job;
    try {
      job = parseJobFile(readFileSync(path, 'utf8'), path);
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
      continue;
    }
    const lines = existsSync(join(jobsDir, id, 'events.jsonl')) ? readFileSync(join(jobsDir, id, 'events.jsonl'), 'utf8').split('\n').filter(Boolean) : [];
    const events = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as { seq?: number; type: string }];
      } catch {
        return [];
      }
    });
    const seqs = events.map((event) => event.seq);
    if (seqs.some((seq, i) => seq !== i + 1) || seqs.length !== job.eventSeq) problems.push(`${id}: log seqs ${seqs.join(',')} against eventSeq ${job.eventSeq}`);
    if (['completed', 'failed', 'cancelled', 'interrupted'].includes(job.status) && events.at(-1)?.type !== job.status) problems.push(`${id}: ${job.status}, but the log ends with ${events.at(-1)?.type}`);
    const types = events.map((event) => event.type);
    for (let i = 0; i < types.length; i++) {
      // Every resume of a job that was running continues an interruption the log has recorded.
      if (types[i] === 'resumed' && !['interrupted', 'failed', 'cancelled'].includes(types[i - 1] ?? '')) problems.push(`${id}: resumed after ${types[i - 1]}`);
    }
  }
  return problems;
}

describe('SIGKILL through the REPL and batch, one folder kept across kills', () => {
  const rounds = scaled(40, 8);
  it(`reads truthfully after each of ${rounds} kills`, async () => {
    const cwd = makeTempDir('jobline-front-');
    const jobsDir = join(cwd, 'jobs');
    const env = { JOBLINE_JOBS_DIR: jobsDir };
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({
      defaultAgent: 'staged',
      agents: {
        staged: { type: 'command', phases: [{ name: 'plan', run: 'echo "plan $JOB_FEEDBACK"' }, { name: 'build', run: 'sleep 0.0$((RANDOM % 5)); echo built' }, { name: 'ship', run: 'echo shipped' }] },
      },
    }));
    const failures: string[] = [];
    const stages: Record<string, number> = {};
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < rounds; round++) {
      const scenario = SCENARIOS[round % SCENARIOS.length]!;
      stages[scenario] = (stages[scenario] ?? 0) + 1;
      if (scenario === 'batch') {
        const prompts = Array.from({ length: 6 }, (_, i) => (i % 3 === 2 ? 'exit 3' : `sleep 0.0${i}; echo ok`)).join('\n');
        const { child, result } = startCli(['batch', '--agent', 'sh', '-'], { cwd, env, input: `${prompts}\n` });
        await new Promise((resolve) => setTimeout(resolve, 30 + next(300)));
        child.kill('SIGKILL');
        await result;
      } else {
        const repl = startPipedRepl(cwd, env);
        if (scenario === 'resume') {
          const { stdout } = await runCli(['list', '--json'], { cwd, env });
          const resumable = (JSON.parse(stdout) as Job[]).find((job) => job.status === 'interrupted');
          repl.send(resumable ? `/resume ${resumable.id}` : 'echo nothing to resume');
        } else {
          repl.send('please plan');
          const id = /Started (job-\w{8})/.exec(await repl.until(/Started job-\w{8}/))![1]!;
          await repl.until(/Waiting for approval/);
          repl.send(scenario === 'approve' ? `/approve ${id}` : `/retry ${id} use the staging database`);
        }
        // Killed while it answers: at once, or a moment later, while the next phase runs.
        await new Promise((resolve) => setTimeout(resolve, next(60)));
        repl.child.kill('SIGKILL');
        await repl.end();
      }
      failures.push(...(await check(cwd, jobsDir)).map((problem) => `round ${round} (${scenario}): ${problem}`));
    }
    // The storage policy, applied by the next job that ends, keeps exactly maxUnfinishedJobs (10).
    const unfinishedNow = async (): Promise<number> => (JSON.parse((await runCli(['list', '--json'], { cwd, env })).stdout) as Job[])
      .filter((job) => ['failed', 'cancelled', 'interrupted'].includes(job.status)).length;
    const before = await unfinishedNow();
    await runCli(['run', '-y', '--agent', 'sh', 'exit 4'], { cwd, env });
    const after = await unfinishedNow();
    if (after !== Math.min(10, before + 1)) failures.push(`${before} unfinished jobs, then one more failed: ${after} kept, expected ${Math.min(10, before + 1)}`);
    recordResult('frontEndKills', { rounds, failures: failures.length, stages, examples: failures.slice(0, 5) });
    expect(failures).toEqual([]);
  }, scaled(600_000, 120_000));
});
