// What `jobline run` leaves a user with: an LLM job's final answer, and the user's own command
// run when a job ends (notifyCommand) with the job on stdin, whose failure is a warning.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function workspace(config: object): { cwd: string; env: Record<string, string> } {
  const cwd = makeTempDir();
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify(config));
  return { cwd, env: { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs') } };
}

describe('jobline run', () => {
  it('ends an LLM job with its final answer', async () => {
    const server = await FakeModelServer.start('openai', [{ text: 'The answer is 42.\nIt was always 42.' }]);
    servers.push(server);
    const { cwd, env } = workspace({
      providers: { local: { type: 'openai-compatible', baseURL: server.baseURL, model: 'm' } },
      agents: { ask: { type: 'llm', provider: 'local', phases: [{ name: 'answer', maxRounds: 2, instructions: 'Answer.', tools: [] }] } },
    });
    const { code, stdout } = await runCli(['run', '-y', '--agent', 'ask', 'what is the answer?'], { cwd, env });
    expect(code).toBe(0);
    expect(stdout).toMatch(/── answer ──\nThe answer is 42\.\nIt was always 42\.\n$/);
  });

  it('passes a job\'s colours to stdout but no other escape sequence (clipboard, title, cursor, erase), unless --raw', async () => {
    const { cwd, env } = workspace({});
    // OSC 52 (a clipboard write), OSC 0 (the window title), an erase, cursor moves and a query, a C1 CSI, then colours.
    const hostile = String.raw`\033]52;c;ZXZpbA==\007\033]0;pwned\033\\\033[2J\033[H\033[5;5f\033[6n\0337\302\2331m\033[?25l` + String.raw`plain \033[1;31mred\033[0m \033[38;5;82mgreen\033[m end`;
    const command = `printf '${hostile}\\n'`;
    const { code, stdout } = await runCli(['run', '-y', command], { cwd, env });
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toBe('plain \u001b[1;31mred\u001b[0m \u001b[38;5;82mgreen\u001b[m end');
    const raw = await runCli(['run', '-y', '--raw', command], { cwd, env });
    expect(raw.stdout.split('\n')[1]).toBe('\u001b]52;c;ZXZpbA==\u0007\u001b]0;pwned\u001b\\\u001b[2J\u001b[H\u001b[5;5f\u001b[6n\u001b7\u009b1m\u001b[?25lplain \u001b[1;31mred\u001b[0m \u001b[38;5;82mgreen\u001b[m end');
  });

  it('runs notifyCommand with the job as JSON when the job ends, and warns when it fails', async () => {
    const { cwd, env } = workspace({ notifyCommand: 'cat > "notified-$JOB_STATUS.json"; test "$JOB_STATUS" = completed || { echo "cannot notify" >&2; exit 4; }' });
    const ok = await runCli(['run', '-y', 'echo done'], { cwd, env });
    expect(ok.code).toBe(0);
    const notified = JSON.parse(readFileSync(join(cwd, 'notified-completed.json'), 'utf8'));
    expect(notified).toMatchObject({ status: 'completed', description: 'echo done' });
    const failing = await runCli(['run', '-y', 'exit 3'], { cwd, env });
    expect(failing.code).toBe(1);
    expect(JSON.parse(readFileSync(join(cwd, 'notified-failed.json'), 'utf8'))).toMatchObject({ status: 'failed' });
    expect(failing.stderr).toMatch(/notifyCommand for job-\w{8} exited with code 4: cannot notify/);
  });
});
