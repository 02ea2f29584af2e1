// Ctrl+Z and `fg` in a real shell with job control: jobline comes back working (it used to
// freeze, or exit silently when no job kept it alive, because its input stayed paused).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from '../helpers/cli.js';
import { PtySession, makeReplWorkspace } from '../helpers/pty.js';

const CTRL_Z = '\x1a';
const SHELL = { file: 'bash', args: ['--norc', '--noprofile', '-i'] };

/** A workspace whose default agent has two phases, so a job stops at an approval question. */
function stagedWorkspace(): ReturnType<typeof makeReplWorkspace> {
  const workspace = makeReplWorkspace();
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({
    defaultAgent: 'staged',
    agents: { staged: { type: 'command', phases: [{ name: 'plan', run: 'echo planned' }, { name: 'ship', run: 'echo shipped' }] } },
  }));
  return workspace;
}

describe('suspend and continue', () => {
  it('after Ctrl+Z and fg the prompt echoes keys and runs commands', async () => {
    const session = new PtySession(makeReplWorkspace(), [], 100, 30, SHELL);
    session.send(`PS1='shell$ '; node ${CLI_PATH}`);
    await session.waitForText('jobline:sh> ');
    session.type(CTRL_Z);
    await session.waitForText(/Stopped\s+node/);
    session.send('fg');
    session.send('/jobs');
    await session.waitForText('Jobs (0 total, 0 active)');
    session.send('sleep 0.5; echo back');
    await session.waitForText(/✅ Started job-\w{8} [\w.-]+ \(sh\)/);
    session.type(CTRL_Z);
    await session.waitForText(/Stopped\s+node[^]*Stopped\s+node/);
    session.send('fg');
    session.send('/jobs');
    await session.waitForText('Jobs (1 total');
    await session.waitForText(/✅ Completed/); // the job went on after the stop
    session.send('/quit');
    await session.waitForText(/shell\$ $/m);
    session.send('exit');
    expect((await session.exited).exitCode).toBe(0);
  });

  it('after Ctrl+Z and fg at the approval question of `jobline run`, the question still answers', async () => {
    const workspace = stagedWorkspace();
    const session = new PtySession(workspace, [], 100, 30, SHELL);
    session.send(`PS1='shell$ '; node ${CLI_PATH} run go`);
    await session.waitForText('what next?');
    session.type(CTRL_Z);
    await session.waitForText(/Stopped\s+node/);
    session.send('fg');
    await session.waitForText(/Stopped[^]*\nnode \S+cli\.js run go/); // bash names the job it continues
    session.type('\r'); // continue
    await session.waitForText(/✅ job-\w{8}( [\w.-]+)? completed/);
    session.send('exit');
    expect((await session.exited).exitCode).toBe(0);
  });

  it('after Ctrl+Z and fg in the REPL\'s approval box, the box still answers', async () => {
    const workspace = stagedWorkspace();
    const session = new PtySession(workspace, [], 100, 30, SHELL);
    session.send(`PS1='shell$ '; node ${CLI_PATH}`);
    await session.waitForText('jobline:staged> ');
    session.send('go');
    await session.waitForAnswers();
    session.type(CTRL_Z);
    await session.waitForText(/Stopped\s+node/);
    session.send('fg');
    await session.waitForText(/Stopped[^]*\nnode \S+cli\.js\s*$/m);
    session.type('\r'); // continue
    await session.waitForText(/✅ Completed/);
    session.send('/quit');
    await session.waitForText(/shell\$ $/m);
    session.send('exit');
    expect((await session.exited).exitCode).toBe(0);
  });
});
