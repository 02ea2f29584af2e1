// Where PID namespaces are refused (and so shell lanes cannot run), job shells come from a small
// spawner process per worker, not from jobline's own big process. These tests refuse namespaces.
// What a user can notice: a SIGKILLed jobline takes its jobs' processes with it, a spawner killed
// from outside fails only the phase it was running, and output bytes arrive intact.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINMENT_ENV } from '../../src/jobs/process/process-containment.js';
import type { Job } from '../../src/jobs/model/job.js';
import { readProcessStat } from '../../src/jobs/process/owner.js';
import { runCli, startCli } from '../helpers/cli.js';
import { commandAgent, makeManager, runMultiByteJobs } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { findAncestorNamed, isProcessAlive, waitFor, waitForProcesses, waitForProcessesToExit } from '../helpers/wait.js';

// A worker's first shell is started by the worker while its spawner boots; this one waits until
// the spawner has named itself (it is ready), and a moment more for its worker to hear so.
// (jobline's pid is passed in: $PPID is the worker's process only for that first shell.)
const waitForSpawner = (joblinePid: number): string => `until pgrep -x -P ${joblinePid} jobline-spawner >/dev/null; do sleep 0.02; done; sleep 0.1`;

const WITHOUT_NAMESPACES = 'process-group:refused by the spawner test';

describe('the spawner', () => {
  // In-process managers hand this down to their workers; the CLI gets it in its environment.
  const previous = process.env[CONTAINMENT_ENV];
  beforeAll(() => void (process.env[CONTAINMENT_ENV] = WITHOUT_NAMESPACES));
  afterAll(() => {
    if (previous === undefined) delete process.env[CONTAINMENT_ENV];
    else process.env[CONTAINMENT_ENV] = previous;
  });

  it('ends the processes of a jobline killed with SIGKILL', async () => {
    const cwd = makeTempDir();
    const jobsDir = join(makeTempDir(), 'jobs');
    const env = { JOBLINE_JOBS_DIR: jobsDir, [CONTAINMENT_ENV]: WITHOUT_NAMESPACES };
    // One worker, so the second task reuses the first one's worker, whose spawner the first task
    // booted; the first task waits until that spawner is up (its shell's parent is jobline).
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ maxConcurrentJobs: 1, maxCompletedJobs: 0 }));
    const marker = `sleep 60.${process.pid}1`;
    const { child, result } = startCli(['batch', '-', '-j', '1'], { cwd, env, keepStdinOpen: true });
    child.stdin!.end(`${waitForSpawner(child.pid!)}\nexec ${marker}\n`);
    const pid = (await waitForProcesses(marker, 1, 15_000))[0]!;
    try {
      // Its ancestor is the spawner, a child of jobline, not jobline itself.
      const spawnerPid = findAncestorNamed(pid, 'jobline-spawner')!;
      expect(spawnerPid).toBeGreaterThan(1);
      expect(spawnerPid).not.toBe(child.pid);
      expect(readProcessStat(spawnerPid)?.ppid).toBe(child.pid);
      child.kill('SIGKILL');
      await result;
      expect(await waitForProcessesToExit([pid, spawnerPid])).toEqual([]);
      const { stdout } = await runCli(['list', '--json'], { cwd, env });
      expect((JSON.parse(stdout) as Job[]).map((job) => job.status)).toEqual(['interrupted']);
    } finally {
      if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('fails only the running phase when the spawner is killed, and the next job gets a new one', async () => {
    const cwd = makeTempDir();
    const manager = makeManager({ maxConcurrentJobs: 1 });
    const agent = commandAgent('sh', { run: 'eval "$JOB_PROMPT"' });
    try {
      const warmUp = await manager.submit({ agent, prompt: waitForSpawner(process.pid), mode: 'background', cwd });
      const marker = `sleep 60.${process.pid}2`;
      const victim = await manager.submit({ agent, prompt: `echo ready; exec ${marker}`, mode: 'background', cwd });
      const pid = (await waitForProcesses(marker, 1))[0]!;
      // Its output reached the job, so the worker has heard that the shell started (the spawner
      // sends processStarted before any output): a kill now is a kill of a running phase.
      await waitFor(() => manager.get(victim.job.id).progress.lastEvent === 'ready', 'the shell\'s first output');
      const spawnerPid = findAncestorNamed(pid, 'jobline-spawner')!;
      expect(spawnerPid).toBeGreaterThan(1); // never signal 0 or 1: that is every process of the group, or of the user
      expect(spawnerPid).not.toBe(process.pid);
      process.kill(spawnerPid, 'SIGKILL');
      await waitFor(() => manager.get(victim.job.id).status === 'failed', 'the phase to fail');
      expect(manager.get(victim.job.id).error).toBe(`Phase run failed: \`echo ready; exec ${marker}\`: the process spawner exited unexpectedly`);
      expect(await waitForProcessesToExit([pid])).toEqual([]);
      const after = await manager.submit({ agent, prompt: 'echo still working', mode: 'background', cwd });
      await manager.whenIdle();
      expect(manager.get(warmUp.job.id).status).toBe('completed');
      expect(manager.get(after.job.id)).toMatchObject({ status: 'completed', phases: [{ output: 'still working' }] });
    } finally {
      await manager.shutdown();
    }
  });

  it('keeps multi-byte characters whole when they straddle two reads of the pipe', async () => {
    // The first shell of a worker is started by the worker itself, later ones by its spawner.
    const { text, results } = await runMultiByteJobs(3, 'sleep 0.2; cat euro.txt');
    for (const { status, output } of results) {
      expect(status).toBe('completed');
      expect(output).toBe(text);
    }
  });
});
