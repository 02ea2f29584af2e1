// Confinement outside the file tools, honestly (issue 27 §7): where Linux allows it without root,
// run_command runs with the workspace as its only writable path (a mount namespace with read-only
// binds): a test the model writes and runs cannot write outside the workspace, while the
// workspace and a private /tmp stay writable. Proved for jobline as it runs here (the tests run as
// root in CI) and, where this process may switch users, for an unprivileged user too.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCommandSandbox, wrapInSandbox } from '../../src/agents/llm/command-sandbox.js';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { llmAgent, makeWorkspace } from '../helpers/llm.js';
import { makeTempDir } from '../helpers/temp.js';

const servers: FakeModelServer[] = [];
const made: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// A folder outside /tmp (the command's /tmp is a private one: a path there is simply not found).
function outsideFolder(): string {
  const dir = mkdtempSync('/var/tmp/jobline-outside-');
  made.push(dir);
  return dir;
}

const canConfine = detectCommandSandbox(makeTempDir()).kind === 'mount-namespace';

describe.runIf(canConfine)('run_command in a mount namespace', () => {
  it('a command the model runs writes in the workspace and /tmp, and is refused anywhere else', async () => {
    made.push(join(process.env.HOME ?? '/root', '.jobline-escape-test')); // removed should it ever be written
    const scratch = `/tmp/jobline-scratch-${process.pid}-${Date.now()}.txt`;
    made.push(scratch);
    const outside = outsideFolder();
    const elsewhereInTmp = makeTempDir('jobline-outside-');
    const script = `const fs = require('fs');
fs.writeFileSync('inside.txt', 'in');
fs.writeFileSync(${JSON.stringify(scratch)}, 'tmp');
try { fs.writeFileSync(${JSON.stringify(join(outside, 'escaped.txt'))}, 'out'); console.log('WROTE OUTSIDE'); } catch (error) { console.log('outside: ' + error.code); }
try { fs.writeFileSync(${JSON.stringify(join(process.env.HOME ?? '/root', '.jobline-escape-test'))}, 'out'); console.log('WROTE HOME'); } catch (error) { console.log('home: ' + error.code); }
try { fs.writeFileSync(${JSON.stringify(join(elsewhereInTmp, 'escaped.txt'))}, 'out'); console.log('WROTE TMP'); } catch (error) { console.log('tmp: ' + error.code); }
`;
    const server = await FakeModelServer.start('openai', [{ toolCalls: [{ name: 'run_command', args: { command: 'node escape.js' } }] }, { text: 'Ran it.' }]);
    servers.push(server);
    const workspace = makeWorkspace({ 'escape.js': script });
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, { phases: [{ name: 'work', maxRounds: 3, instructions: 'Work.', tools: ['run_command'] }], allowCommands: ['node escape.js'] });
    const { job } = await manager.submit({ agent, prompt: 'run it', mode: 'background', cwd: workspace });
    await manager.whenIdle();
    await manager.shutdown();
    expect(manager.get(job.id).status).toBe('completed');
    const result = JSON.stringify(server.calls[1]!.body.messages);
    expect(result).toContain('exit code 0');
    expect(result).toContain('outside: EROFS');
    expect(result).toContain('home: EROFS');
    expect(result).toContain('tmp: ENOENT'); // the real /tmp is out of sight
    expect(result).not.toContain('WROTE');
    expect(existsSync(join(elsewhereInTmp, 'escaped.txt'))).toBe(false);
    expect(readFileSync(join(workspace, 'inside.txt'), 'utf8')).toBe('in');
    expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    expect(existsSync(scratch)).toBe(false); // the command's /tmp was its own
  });

  it.runIf(process.getuid?.() === 0)('confines an unprivileged user the same way (no root needed)', () => {
    const workspace = makeTempDir();
    chmodSync(workspace, 0o777);
    const outside = outsideFolder();
    chmodSync(outside, 0o777); // writable by anyone: only the namespace stops the write
    writeFileSync(join(workspace, 'probe.sh'), `echo in > inside.txt && echo inside-ok; echo out > ${join(outside, 'escaped.txt')} || echo outside-refused; id -u\n`);
    const wrapped = wrapInSandbox('sh probe.sh');
    const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', wrapped.command], { cwd: workspace, env: { ...process.env, ...wrapped.env, JOBLINE_SANDBOX_UID: '65534', JOBLINE_SANDBOX_GID: '65534' }, encoding: 'utf8' });
    expect(run.stdout.split('\n')).toEqual(['inside-ok', 'outside-refused', '65534', '']);
    expect(run.stderr).toContain('Read-only file system');
    expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    // Without the namespace the same user writes there: the namespace is what stops it.
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', `echo out > ${join(outside, 'plain.txt')}`]);
    expect(existsSync(join(outside, 'plain.txt'))).toBe(true);
  });
});
