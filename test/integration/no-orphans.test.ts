// Regression: a run killed right after it was requested (before the worker's report of its child
// could arrive, or even before the worker spawned it) must still leave no process behind.
import { describe, expect, it } from 'vitest';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { findProcesses, waitFor } from '../helpers/wait.js';

describe('no orphans', () => {
  it.each([0, 1, 2, 5, 10, 20])('shutdown %i ms after submitting leaves no job process alive', async (delayMs) => {
    const marker = `${process.pid}${delayMs}${Date.now() % 100000}`;
    const manager = makeManager();
    const agent = commandAgent('sleeper', { run: `sleep 1${marker}` });
    const cwd = makeTempDir();
    for (let i = 0; i < 3; i++) await manager.submit({ agent, prompt: 'x', mode: 'background', cwd });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await manager.shutdown();
    const survivors = await waitFor(() => findProcesses(`sleep 1${marker}`).length === 0, 'job processes to be gone', 2000).then(() => [], () => findProcesses(`sleep 1${marker}`));
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(survivors).toEqual([]);
  });
});
