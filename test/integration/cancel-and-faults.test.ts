// Cancel kills whole process trees; a faulty worker fails only its own job.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/agents/agent.js';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { isProcessAlive, waitFor, waitForProcessesToExit } from '../helpers/wait.js';

const fixture = (name: string): AgentSpec => ({
  type: 'module', name, summary: name, module: fileURLToPath(new URL(`../fixtures/agents/${name}.mjs`, import.meta.url)), phases: [{ name: 'work' }],
});

async function readPids(file: string): Promise<number[]> {
  return waitFor(() => {
    try {
      const pids = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
      return pids.length >= 3 && pids.every((pid) => pid > 0) ? pids : null;
    } catch {
      return null;
    }
  }, `pids in ${file}`);
}

describe('cancel', () => {
  it('kills the whole process tree, grandchildren included, and frees the slot', async () => {
    const dir = makeTempDir();
    const manager = makeManager({ maxConcurrentJobs: 1 });
    // The shell starts two background grandchildren (one in a nested shell) and records all pids.
    const agent = commandAgent('tree', { run: `sleep 300 & a=$!; sh -c 'sleep 300 & echo $! > "${dir}/inner"; wait' & b=$!; while [ ! -s "${dir}/inner" ]; do sleep 0.01; done; echo "$$ $a $b $(cat "${dir}/inner")" > "${dir}/pids"; wait` });
    const { job } = await manager.submit({ agent, prompt: 'tree', mode: 'background', cwd: dir });
    const queued = await manager.submit({ agent: commandAgent('next', { run: 'true' }), prompt: 'next', mode: 'background', cwd: dir });
    const pids = await readPids(join(dir, 'pids'));
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
    const agent = commandAgent('stubborn', { run: `trap '' TERM; sh -c "trap '' TERM; echo \\$\\$ > '${dir}/pid'; while :; do sleep 0.05; done"` });
    const { job } = await manager.submit({ agent, prompt: 'x', mode: 'background', cwd: dir });
    const pid = await waitFor(() => { try { return Number(readFileSync(join(dir, 'pid'), 'utf8')) || null; } catch { return null; } }, 'pid file');
    const started = Date.now();
    await manager.cancel(job.id);
    await manager.whenIdle();
    expect(await waitForProcessesToExit([pid])).toEqual([]);
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
