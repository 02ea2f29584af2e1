// `jobline run`'s exit code tells a script the truth: 0 only for a completed job, 1 for a failed
// or cancelled one, 130 when the user interrupted it (also at the approval question).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/job-store.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';

function twoPhaseWorkspace(): ReplWorkspace {
  const workspace = makeReplWorkspace();
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({
    defaultAgent: 'staged',
    debug: { keepTempFiles: true },
    agents: { staged: { type: 'command', phases: [{ name: 'plan', run: 'echo planned' }, { name: 'ship', run: 'echo shipped' }] } },
  }));
  return workspace;
}

describe('jobline run at the approval question', () => {
  it.each([
    ['Ctrl+C', KEY.ctrlC],
    ['Esc', '\x1b'],
  ])('%s exits 130 and leaves the job interrupted, so `run … && deploy` stops', async (_name, key) => {
    const workspace = twoPhaseWorkspace();
    const session = new PtySession(workspace, ['run', 'deploy it']);
    await session.waitForText('Continue to the next phase');
    session.type(key);
    const { exitCode } = await session.exited;
    expect(exitCode).toBe(130);
    const { jobs } = await JobStore.open(workspace.jobsDir).list();
    expect(jobs.map((job) => job.status)).toEqual(['interrupted']);
  });

  it('cancel at the question exits 1', async () => {
    const workspace = twoPhaseWorkspace();
    const session = new PtySession(workspace, ['run', 'deploy it']);
    await session.waitForText('Continue to the next phase');
    session.type(KEY.down + KEY.down + KEY.enter);
    expect((await session.exited).exitCode).toBe(1);
    expect((await JobStore.open(workspace.jobsDir).list()).jobs.map((job) => job.status)).toEqual(['cancelled']);
  });
});
