// The "done when", as one user's session in a real terminal: run the check agent on a
// real npm project, keep typing while it runs, approve its phases, cancel another job, quit,
// restart, review and resume the interrupted job.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { JobStore } from '../../src/store/job-store.js';
import { KEY, PtySession, makeReplWorkspace } from '../helpers/pty.js';
import { findProcesses, waitFor } from '../helpers/wait.js';


it('check agent with approvals, a cancel, quit, then review and resume', async () => {
  const workspace = makeReplWorkspace();
  cpSync(new URL('../fixtures/npm-project/', import.meta.url), workspace.cwd, { recursive: true });
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({ debug: { keepTempFiles: true } }));
  const session = new PtySession(workspace, ['--agent', 'check']);
  await session.waitForText('jobline:check> ');
  session.send('check the project');
  const check = await session.startedJob('check');

  // The first approval: continue after lint.
  await session.waitForText('phase 1/3 lint completed');
  await session.waitForText('lint: no problems');
  await session.waitForAnswers();
  session.type(KEY.enter);
  // The second: leave it for later, and work meanwhile.
  await session.waitForText('phase 2/3 typecheck completed');
  await session.waitForAnswers();
  session.type(KEY.down + KEY.down + KEY.down + KEY.enter);
  await session.waitForText(`${check} waits`);
  session.send('/agent sh');
  await session.waitForText('jobline:sh> ');
  session.send('sleep 30 # journey-cancel');
  const other = await session.startedJob('sh');
  session.send(`/cancel ${other.slice(4, 9)}`);
  await session.waitForText(`🚫 Cancelled ${other}`);
  session.send(`/approve ${check.slice(4, 9)}`);
  await session.waitForText(`[${check.slice(0, 8)}] ✅ Completed`);
  const store = JobStore.open(workspace.jobsDir);
  expect((await store.loadRaw(check)).phases.map((p) => p.status)).toEqual(['completed', 'completed', 'completed']);
  expect((await store.loadRaw(other)).status).toBe('cancelled');
  expect(await waitFor(() => findProcesses('journey-cancel').length === 0, 'the cancelled job to die', 3000)).toBe(true);

  // A job left running when the user quits is interrupted, and offered at the next start.
  session.send('test -f again && echo second-life && exit 0; touch again; sleep 30 # journey-quit');
  const interrupted = await session.startedJob('sh', [other]);
  await waitFor(async () => (await store.loadRaw(interrupted)).status === 'running', 'the job to run');
  session.send('/quit');
  await session.waitForText('Quit and mark them interrupted?');
  session.type('y');
  await session.exited;
  expect((await store.loadRaw(interrupted)).status).toBe('interrupted');

  const restarted = new PtySession(workspace);
  await restarted.waitForText('⚠️  Found 1 incomplete job(s) from previous session:');
  await restarted.waitForText('[k]eep (Enter):');
  restarted.type('r');
  await restarted.waitForText(`↻ Resuming ${interrupted}`);
  await restarted.waitForText('│ second-life');
  await restarted.waitForText(`[${interrupted.slice(0, 8)}] ✅ Completed`);
});
