// Jobs of several tasks in the REPL, in a real pseudo-terminal: /workers and /batch start one job
// whose lines run side by side; /jobs shows it as one row with its task counts and its workers
// clustered; /tasks lists its tasks with their workers; a failed task is said; an interactive
// phase whose tasks failed asks what to do, and a retry re-runs only the failed ones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { KEY, PtySession, makeReplWorkspace } from '../helpers/pty.js';

describe('REPL: a job of several tasks', () => {
  it('runs /batch with /workers 3, shows it in /jobs and /tasks, and says which task failed', async () => {
    const workspace = makeReplWorkspace();
    // Three lines wait for a file the test writes once /jobs has shown them running; two finish at once.
    const lines = [...Array.from({ length: 3 }, () => 'while [ ! -e go ]; do sleep 0.05; done'), 'true', 'exit 6'];
    writeFileSync(join(workspace.cwd, 'lines.txt'), `${lines.join('\n')}\n`);
    const session = new PtySession(workspace, ['--background'], 120);
    await session.waitForText('jobline:sh[bg]> ');
    session.send('/workers 3');
    await session.waitForText('Workers: 3 per new job');
    session.send('/batch lines.txt --keep-going');
    await session.waitForText(/✅ Started (job-[a-z0-9]{8}) [\w.-]+ \(sh × 3 workers\)/);
    const id = /✅ Started (job-[a-z0-9]{8})/.exec(await session.text())![1]!;
    session.send('/jobs');
    // One row: three workers clustered under the agent, and the counts of its tasks.
    await session.waitForText(new RegExp(`🔄 ${id} sh × 3 \\[${id.slice(4, 8)}\\]\\s+running\\s+0/5 done · 3 running`));
    session.send(`/tasks ${id.slice(4, 9)}`);
    await session.waitForText(`Tasks of ${id} (0/5 done · 3 running)`);
    await session.waitForText(new RegExp(`▶ t1\\s+claimed\\s+sh\\[${id.slice(4, 8)}-\\d\\]`));
    // /jobs <id> expands the cluster: each worker and its task.
    session.send(`/jobs ${id}`);
    await session.waitForText(new RegExp(`Workers \\(3 at work\\):\\s+sh\\[${id.slice(4, 8)}-0\\]\\s+t\\d`));
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText(`[${id.slice(0, 8)}] ❌ t5: \`exit 6\` exited with code 6`);
    await session.waitForText(`[${id.slice(0, 8)}] ❌ 1 task failed`); // --keep-going: the job ran every task, and failed
    session.send(`/tasks ${id}`);
    await session.waitForText(`Tasks of ${id} (4/5 done · 1 failed)`);
  });

  it('asks about an interactive phase\'s failed tasks, and retries only those, with the feedback', async () => {
    const workspace = makeReplWorkspace();
    writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({
      defaultAgent: 'ci',
      agents: {
        ci: {
          type: 'command',
          workers: 2,
          phases: [
            {
              name: 'checks',
              tasks: [
                { name: 'lint', run: 'echo linted >> lint.log' },
                // Fails until the retry's feedback arrives.
                { name: 'test', run: '[ -n "$JOB_FEEDBACK" ] && echo "tested with $JOB_FEEDBACK" || { echo "2 tests failed"; exit 3; }' },
              ],
            },
            { name: 'build', run: 'echo built' },
          ],
        },
      },
    }));
    const session = new PtySession(workspace, [], 110, 40);
    await session.waitForText('jobline:ci> ');
    session.send('check it');
    const id = await session.startedJob();
    await session.waitForText('phase 1/2 checks completed · 1 task failed');
    await session.waitForText(`[${id.slice(0, 8)}] ⚠️  Phase 1/2 checks completed · 1 task failed`);
    await session.waitForText(/1 task failed:\s+│?\s*✗ t2 test: .*exited/);
    await session.waitForText('Retry the failed task (with optional feedback)');
    await session.waitForAnswers();
    session.type(KEY.down);
    session.type(KEY.enter); // retry
    await session.waitForText('Feedback for the retry');
    session.send('the fixed seed');
    await session.waitForText('phase 1/2 checks completed');
    await session.waitForText('Continue to the next phase');
    await session.waitForAnswers();
    session.type(KEY.enter);
    await session.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
    session.send(`/tasks ${id}`);
    await session.waitForText(`Tasks of ${id} (3/3 done)`);
    // lint ran once: the retry re-ran only the failed task.
    await session.waitForText(/t1\s+done\s+\S+\s+1 run/);
    await session.waitForText(/t2\s+done\s+\S+\s+2 runs/);
    // One task's output: its latest run's, under a line naming the run.
    session.send(`/logs ${id.slice(4, 9)} test`);
    await session.waitForText(new RegExp(`t2 test · r\\d attempt 2 · ci\\[${id.slice(4, 8)}-\\d\\] · succeeded · ${id}[\\s\\S]*tested with the fixed seed`));
    session.send(`/logs ${id} nosuch`);
    await session.waitForText(`${id} has no task "nosuch"`);
  });
});
