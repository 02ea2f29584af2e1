// A REPL beside `jobline serve` in a real pseudo-terminal: when the server goes (stopped, or
// killed), the REPL says so once within 2 s and goes on by itself on the jobs folder, showing the
// server's jobs as they are (interrupted, resumable), without losing what the user was typing; a
// server that comes back is attached to again (at once when the REPL runs nothing of its own,
// else once its own jobs end). And it prints in full only the jobs it follows (/follow).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/job-store.js';
import { KEY, PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

// `quick` says what it was asked at once; `gated` waits for the file `gate`; `chatty` prints lines
// and waits for `go`.
const CONFIG = {
  defaultAgent: 'quick',
  agents: {
    quick: { type: 'command', phases: [{ name: 'work', run: 'echo "done $JOB_PROMPT"' }] },
    gated: { type: 'command', phases: [{ name: 'work', run: 'while [ ! -f gate ]; do sleep 0.05; done; echo "gated $JOB_PROMPT"' }] },
    chatty: { type: 'command', phases: [{ name: 'talk', run: 'echo "chatter one of $JOB_PROMPT"; while [ ! -f go ]; do sleep 0.05; done; echo "chatter two of $JOB_PROMPT"' }] },
    asks: { type: 'command', phases: [{ name: 'plan', run: 'echo planned' }, { name: 'apply', run: 'echo applied' }] },
  },
};

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function serve(workspace: ReplWorkspace): Promise<TestServer> {
  const server = await startServer(CONFIG, { cwd: workspace.cwd, jobsDir: workspace.jobsDir });
  servers.push(server);
  return server;
}

async function storedJob(workspace: ReplWorkspace, id: string): Promise<{ status: string; owner: { pid: number } }> {
  return JobStore.open(workspace.jobsDir).loadRaw(id);
}

async function promptLine(session: PtySession): Promise<string> {
  return ((await session.lines()).at(-1) ?? '').trimEnd();
}

describe('a REPL attached to jobline serve when the server goes', () => {
  it('says so once within 2 s, shows the server\'s jobs interrupted, runs new jobs itself and resumes the interrupted one', async () => {
    const workspace = makeReplWorkspace();
    const server = await serve(workspace);
    const pid = server.child.pid!;
    const session = new PtySession(workspace, [], 140, 40);
    await session.waitForText(`attached to jobline serve (pid ${pid})`);
    session.send('/agent gated');
    await session.waitForText('jobline:gated> ');
    session.send('first');
    const first = await session.startedJob('gated');
    session.send('/agent quick');
    await session.waitForText('jobline:quick> ');
    session.type('second '); // typing as the server goes
    await waitFor(async () => (await promptLine(session)) === 'jobline:quick> second', 'the typed text');

    await server.stop();
    const stoppedAt = Date.now();
    const said = `jobline serve (pid ${pid}) stopped: going on without it`;
    await session.waitForText(said, 2000);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    await session.waitForText(`[${first.slice(0, 8)}] ⚠️  Interrupted`);
    expect(await promptLine(session)).toBe('jobline:quick> second'); // still there, still editable

    session.send('job');
    const second = await session.startedJob('quick', [first]);
    await session.waitForText(`[${second.slice(0, 8)}] │ done second job`);
    expect((await storedJob(workspace, second)).owner.pid).toBe(session.pid); // it ran here

    session.send('/jobs');
    await session.waitForText(new RegExp(`${first} gated\\s+interrupted`));
    writeFileSync(join(workspace.cwd, 'gate'), '');
    session.send(`/resume ${first}`);
    await session.waitForText(`↻ Resuming ${first}`);
    await session.waitForText(`[${first.slice(0, 8)}] ✅ Completed`);
    expect(await session.count(new RegExp(said.replace(/[()]/g, '\\$&')))).toBe(1);
    expect(await session.text()).not.toContain('does not answer');

    session.send('/quit');
    await session.exited;
    expect(await session.text()).not.toContain('carry on there');
  });

  it('after kill -9 of the server, shows its running job interrupted (recorded by the REPL) and resumable', async () => {
    const workspace = makeReplWorkspace();
    const server = await serve(workspace);
    const pid = server.child.pid!;
    const session = new PtySession(workspace, [], 140, 40);
    await session.waitForText(`attached to jobline serve (pid ${pid})`);
    session.send('/agent gated');
    await session.waitForText('jobline:gated> ');
    session.send('killed');
    const id = await session.startedJob('gated');
    await waitFor(async () => (await storedJob(workspace, id)).status === 'running', 'the job to run');
    server.child.kill('SIGKILL');
    await server.result;
    const killedAt = Date.now();
    await session.waitForText(`jobline serve (pid ${pid}) stopped`, 2000);
    expect(Date.now() - killedAt).toBeLessThan(2000);
    await session.waitForText(`[${id.slice(0, 8)}] ⚠️  Interrupted: the jobline process that ran it is gone`);
    expect((await storedJob(workspace, id)).status).toBe('interrupted');
    session.send(`/resume ${id.slice(4, 8)}`);
    await session.waitForText(`↻ Resuming ${id}`);
    session.send('/quit');
    await session.waitForText('Quit and mark them interrupted?');
  });

  it('closes an approval box open for a job of the server, saying the job was interrupted, and keeps taking what is typed', async () => {
    const workspace = makeReplWorkspace();
    const server = await serve(workspace);
    const session = new PtySession(workspace, [], 140, 40);
    await session.waitForText('attached to jobline serve');
    session.send('/agent asks');
    await session.waitForText('jobline:asks> ');
    session.send('plan it');
    const id = await session.startedJob('asks');
    await session.waitForAnswers();
    await server.stop();
    await session.waitForText(`${id} was interrupted: /resume ${id} when you want it to go on.`);
    await session.waitForText(`jobline serve (pid ${server.child.pid}) stopped`);
    session.send('/jobs interrupted');
    await session.waitForText(new RegExp(`${id} asks\\s+interrupted`));
    expect((await storedJob(workspace, id)).status).toBe('interrupted');
    expect(await session.count(/✖ job-\w+: what next\?/)).toBe(1); // drawn closed once, not garbled by the line held behind it
  });

  it('attaches to a server that comes back: at once when it runs nothing of its own, else once its own jobs end', async () => {
    const workspace = makeReplWorkspace();
    const first = await serve(workspace);
    const session = new PtySession(workspace, [], 140, 40);
    await session.waitForText(`attached to jobline serve (pid ${first.child.pid})`);
    await first.stop();
    await session.waitForText(`jobline serve (pid ${first.child.pid}) stopped`);

    // Back while the REPL runs a job of its own: announced, attached once that job ends.
    session.send('/agent gated');
    await session.waitForText('jobline:gated> ');
    session.send('local');
    const local = await session.startedJob('gated');
    const second = await serve(workspace);
    await session.waitForText(`jobline serve (pid ${second.child.pid}) runs on this jobs folder: this REPL attaches to it once its 1 active job(s) end`);
    expect(await session.text()).not.toContain(`attached to jobline serve (pid ${second.child.pid})`);
    writeFileSync(join(workspace.cwd, 'gate'), '');
    await session.waitForText(`[${local.slice(0, 8)}] ✅ Completed`);
    await session.waitForText(`attached to jobline serve (pid ${second.child.pid})`);
    expect((await storedJob(workspace, local)).owner.pid).toBe(session.pid);

    session.send('/agent quick');
    await session.waitForText('jobline:quick> ');
    session.send('remote');
    const remote = await session.startedJob('quick', [local]);
    await session.waitForText(`[${remote.slice(0, 8)}] ✅ Completed`);
    expect((await storedJob(workspace, remote)).owner.pid).toBe(second.child.pid);

    // Gone and back again while it runs nothing: attached at once.
    await second.stop();
    await session.waitForText(`jobline serve (pid ${second.child.pid}) stopped`);
    const third = await serve(workspace);
    await session.waitForText(`attached to jobline serve (pid ${third.child.pid})`);
    session.send('/quit');
    await session.exited;
  });
});

describe('what an attached REPL prints (/follow)', () => {
  it('prints its own jobs in full and another shell\'s job as one line when it ends; /follow all and /follow ID change it', async () => {
    const workspace = makeReplWorkspace();
    const server = await serve(workspace);
    const session = new PtySession(workspace, [], 140, 40);
    await session.waitForText('attached to jobline serve');
    const other = (await server.api('POST', '/api/jobs', { prompt: 'from another shell', agent: 'chatty', mode: 'background' })).body.job;
    session.send('mine');
    const mine = await session.startedJob('quick', [other.id]);
    await session.waitForText(`[${mine.slice(0, 8)}] │ done mine`);
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText(`[${other.id.slice(0, 8)}] ✅ Completed ${other.id} ${other.name}`);
    expect(await session.text()).not.toContain('chatter');
    expect(await session.count(new RegExp(`\\[${other.id.slice(0, 8)}\\]`))).toBe(1); // one line, its end

    session.send('/follow');
    await session.waitForText('Following your jobs (started, resumed or answered here)');
    session.send('/follow all');
    await session.waitForText('Following every job');
    const { rmSync } = await import('node:fs');
    rmSync(join(workspace.cwd, 'go'));
    const loud = (await server.api('POST', '/api/jobs', { prompt: 'loud', agent: 'chatty', mode: 'background' })).body.job;
    await session.waitForText(`[${loud.id.slice(0, 8)}] │ chatter one of loud`);

    session.send(`/follow ${loud.id.slice(4, 8)}`);
    await session.waitForText(`Following ${loud.id} only`);
    const quiet = (await server.api('POST', '/api/jobs', { prompt: 'quiet', agent: 'chatty', mode: 'background' })).body.job;
    writeFileSync(join(workspace.cwd, 'go'), '');
    await session.waitForText(`[${loud.id.slice(0, 8)}] │ chatter two of loud`);
    await session.waitForText(`[${quiet.id.slice(0, 8)}] ✅ Completed ${quiet.id}`);
    expect(await session.text()).not.toContain('chatter one of quiet');

    // `min`, not `m`: a job id's random part starting with `m` (1 in 36 for each of the 4 jobs)
    // made `m` ambiguous, and Tab completed nothing.
    session.type('/follow min');
    session.type(KEY.tab);
    await waitFor(async () => (await promptLine(session)) === 'jobline:quick> /follow mine', 'Tab to complete mine');
    session.type(KEY.enter);
    await waitFor(async () => (await session.count(/Following your jobs/)) === 2, '/follow mine to answer');
    session.send('/help');
    await session.waitForText('/follow [all | mine | <id>]');
  });
});
