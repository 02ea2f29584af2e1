// Cancel kills whole process trees; a faulty worker fails only its own job.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/agents/agent.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { isProcessAlive, waitFor, waitForProcesses, waitForProcessesToExit } from '../helpers/wait.js';

const fixture = (name: string): AgentSpec => ({
  type: 'module', name, summary: name, module: fileURLToPath(new URL(`../fixtures/agents/${name}.mjs`, import.meta.url)), phases: [{ name: 'work' }],
});

describe('cancel', () => {
  it('kills the whole process tree, grandchildren included, and frees the slot', async () => {
    const dir = makeTempDir();
    const manager = makeManager({ maxConcurrentJobs: 1 });
    // The shell starts two background grandchildren (one in a nested shell), found by marker.
    const marker = `300.${process.pid}1`;
    const agent = commandAgent('tree', { run: `sleep ${marker} & sh -c 'sleep ${marker} & wait' & wait` });
    const { job } = await manager.submit({ agent, prompt: 'tree', mode: 'background', cwd: dir });
    const queued = await manager.submit({ agent: commandAgent('next', { run: 'true' }), prompt: 'next', mode: 'background', cwd: dir });
    const pids = await waitForProcesses(`sleep ${marker}`, 2);
    expect(pids.every(isProcessAlive)).toBe(true);

    const cancelled = await manager.cancel(job.id.slice(4, 8));
    expect(cancelled.status).toBe('cancelled');
    expect((await manager.store.loadRaw(job.id)).status).toBe('cancelled');
    await manager.whenIdle();
    expect(await waitForProcessesToExit(pids)).toEqual([]);
    expect(manager.get(queued.job.id).status).toBe('completed'); // the freed slot was used
    await manager.shutdown();
  });

  it('kills a child that ignores SIGTERM once the grace period ends', async () => {
    const dir = makeTempDir();
    const manager = makeManager({ cancelGraceMs: 300 });
    const marker = `stubborn-${process.pid}`;
    const agent = commandAgent('stubborn', { run: `trap '' TERM; sh -c "trap '' TERM; : ${marker}; while :; do sleep 0.05; done"` });
    const { job } = await manager.submit({ agent, prompt: 'x', mode: 'background', cwd: dir });
    const [pid] = await waitForProcesses(marker, 1);
    const started = Date.now();
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(await waitForProcessesToExit([pid!])).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
    await manager.shutdown();
  });

  it('cancels a worker stuck in a synchronous infinite loop by terminating it', async () => {
    const manager = makeManager({ cancelGraceMs: 200 });
    const { job } = await manager.submit({ agent: fixture('busy-loop'), prompt: 'spin', mode: 'background', cwd: makeTempDir() });
    await waitFor(() => manager.get(job.id).progress.lastEvent === 'spinning', 'the agent to start spinning');
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(manager.get(job.id).status).toBe('cancelled');
    await manager.shutdown();
  });

  it('cancels queued and waiting jobs without running them', async () => {
    const manager = makeManager({ maxConcurrentJobs: 1 });
    const cwd = makeTempDir();
    const blocker = await manager.submit({ agent: commandAgent('b', { run: 'sleep 30' }), prompt: 'b', mode: 'background', cwd });
    const queued = await manager.submit({ agent: commandAgent('q', { run: `touch "${cwd}/ran"` }), prompt: 'q', mode: 'background', cwd });
    await manager.cancel(queued.job.id);
    await manager.cancel(blocker.job.id);
    await manager.whenIdle();
    expect(manager.get(queued.job.id).status).toBe('cancelled');
    expect(() => readFileSync(join(cwd, 'ran'))).toThrow();
    await expect(manager.cancel(queued.job.id)).rejects.toMatchObject({ code: 'JOB_NOT_ACTIVE' });
    await manager.shutdown();
  });
});

describe('worker settings', () => {
  it('runs every phase in a worker whose heap is limited to workerHeapMb', async () => {
    const manager = makeManager({ workerHeapMb: 48 });
    const cwd = makeTempDir();
    const jobs = await Promise.all([1, 2].map(() => manager.submit({ agent: fixture('reports-heap-limit'), prompt: 'heap', mode: 'background', cwd })));
    await manager.whenIdle();
    for (const { job } of jobs) {
      const limit = Number(manager.get(job.id).phases[0]!.output);
      // V8 adds its young generation to the old-generation limit it is given.
      expect(limit).toBeGreaterThanOrEqual(48);
      expect(limit).toBeLessThan(48 + 64); // a worker without the limit gets the default, over 1 GB
    }
    await manager.shutdown();
  });

  it('keeps the last 4,000 characters of a command\'s output as the phase output, not the first', async () => {
    const manager = makeManager();
    const cwd = makeTempDir();
    const { job } = await manager.submit({ agent: commandAgent('long', { run: "echo FIRST-LINE; head -c 9000 /dev/zero | tr '\\0' a; echo; echo LAST-LINE" }), prompt: 'x', mode: 'background', cwd });
    await manager.whenIdle();
    const output = manager.get(job.id).phases[0]!.output!;
    expect(output.length).toBeLessThanOrEqual(4000);
    expect(output.endsWith('LAST-LINE')).toBe(true);
    expect(output).not.toContain('FIRST-LINE');
    await manager.shutdown();
  });
});

describe('worker faults', () => {
  it.each([
    ['throws', /the worker crashed: agent blew up/],
    ['exits', /the worker exited unexpectedly \(exit code 7\)/],
    ['heap-hog', /the worker ran out of memory \(heap limit 32 MB\)/],
  ])('a worker that %s fails only its own job, with a readable reason', async (name, reason) => {
    const manager = makeManager({ workerHeapMb: 32 });
    const cwd = makeTempDir();
    const healthy = await manager.submit({ agent: commandAgent('ok', { run: 'sleep 0.3; echo fine' }), prompt: 'ok', mode: 'background', cwd });
    const faulty = await manager.submit({ agent: fixture(name), prompt: name, mode: 'background', cwd });
    await manager.whenIdle();
    expect(manager.get(faulty.job.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(reason) });
    expect(manager.get(healthy.job.id).status).toBe('completed');
    // The manager carries on: a new job after the fault runs normally.
    const after = await manager.submit({ agent: commandAgent('ok', { run: 'echo again' }), prompt: 'again', mode: 'background', cwd });
    await manager.whenIdle();
    expect(manager.get(after.job.id).status).toBe('completed');
    await manager.shutdown();
  });

  it('records a failure returned as data, and the counters an agent reports', async () => {
    const manager = makeManager();
    const cwd = makeTempDir();
    const failing = await manager.submit({ agent: fixture('returns-failure'), prompt: 'fail', mode: 'background', cwd });
    const passing = await manager.submit({ agent: fixture('returns-failure'), prompt: 'ok', mode: 'background', cwd });
    await manager.whenIdle();
    expect(manager.get(failing.job.id).error).toBe('Phase work failed: the model refused');
    expect(manager.get(passing.job.id).progress).toEqual({ round: 2, toolCalls: 3, llmCalls: 2, lastEvent: 'Phase work completed' });
    await manager.shutdown();
  });
});
