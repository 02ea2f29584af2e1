// A job's shell tasks share one worker thread (they wait on processes; a thread each would only
// cost memory), and sharing must not let one task's end touch another's processes.
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/agents/agent.js';
import { ThreadExecutor } from '../../src/jobs/runtime/thread-executor.js';
import { makeManager } from '../helpers/jobs.js';
import { makeTempDir } from '../helpers/temp.js';

const task = (name: string, run: string) => ({ name, run, dependsOn: [], claims: [] });
const trio: AgentSpec = {
  type: 'command',
  name: 'trio',
  summary: 'three tasks side by side',
  phases: [{ name: 'checks', tasks: [task('quick', 'echo quick'), task('slow', 'sleep 0.4; echo slow'), task('slower', 'sleep 0.6; echo slower')] }],
};

describe('worker threads of shell tasks', () => {
  it('runs a job\'s shell tasks on one thread, one job\'s end of a task leaving the others running', async () => {
    const executor = new ThreadExecutor({ workerHeapMb: 256, spareWorkers: 0, maxIdleWorkers: 4 });
    const manager = makeManager({ executor, maxWorkers: 6 });
    let mostThreads = 0;
    const sampler = setInterval(() => (mostThreads = Math.max(mostThreads, executor.threadCount)), 5);
    try {
      const cwd = makeTempDir();
      const first = await manager.submit({ agent: trio, prompt: 'one', mode: 'background', cwd, workers: 3 });
      const second = await manager.submit({ agent: trio, prompt: 'two', mode: 'background', cwd, workers: 3 });
      await manager.whenIdle();
      for (const { job } of [first, second]) {
        // The quick task's end (which kills whatever its run left) did not touch the slow ones.
        expect(manager.get(job.id).status).toBe('completed');
        const { board } = await manager.store.readBoard(manager.get(job.id));
        expect(board.tasks.map((task) => [task.title, task.status])).toEqual([['quick', 'done'], ['slow', 'done'], ['slower', 'done']]);
        expect(board.runs.map((run) => run.state.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      }
      // Six tasks at once, two jobs: a thread per job.
      expect(mostThreads).toBe(2);
    } finally {
      clearInterval(sampler);
      await manager.shutdown();
    }
  });
});
