// Regression: a run killed right after it was requested (before the worker's report of its child
// could arrive, or even before the worker spawned it) must still leave no process behind.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandAgent, makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/** Pids of live (non-zombie) processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(marker) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('no orphans', () => {
  it.each([0, 1, 2, 5, 10, 20])('shutdown %i ms after submitting leaves no job process alive', async (delayMs) => {
    const marker = `${process.pid}${delayMs}${Date.now() % 100000}`;
    const manager = makeManager();
    const agent = commandAgent('sleeper', { run: `sleep 1${marker}` });
    const cwd = makeTempDir();
    for (let i = 0; i < 3; i++) await manager.submit({ agent, prompt: 'x', mode: 'background', cwd });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await manager.shutdown();
    const survivors = await waitFor(() => processesWith(`sleep 1${marker}`).length === 0, 'job processes to be gone', 2000).then(() => [], () => processesWith(`sleep 1${marker}`));
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(survivors).toEqual([]);
  });
});
