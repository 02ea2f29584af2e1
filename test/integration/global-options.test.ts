// Global options before the command (issue 27 §7): `jobline --config FILE run …` uses that file,
// as `run --config FILE …` does, and a config file that does not exist is an error either way.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';

describe('--config', () => {
  const cwd = makeTempDir();
  const config = join(makeTempDir(), 'elsewhere.json');
  writeFileSync(config, JSON.stringify({ defaultAgent: 'shout', agents: { shout: { type: 'command', phases: [{ name: 'say', run: 'echo "shouted: $JOB_PROMPT"' }] } } }));
  const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs') };

  it.each([
    ['before the command', ['--config', config, 'run', '-y', 'hello']],
    ['after it', ['run', '--config', config, '-y', 'hello']],
  ])('is used %s', async (_where, args) => {
    const { code, stdout } = await runCli(args, { cwd, env });
    expect(stdout).toContain('shouted: hello');
    expect(code).toBe(0);
  });

  it.each([
    ['before the command', ['--config', '/nonexistent.json', 'list']],
    ['after it', ['list', '--config', '/nonexistent.json']],
  ])('naming a file that does not exist is an error %s', async (_where, args) => {
    const { code, stderr } = await runCli(args, { cwd, env });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Cannot read config file \/nonexistent\.json: /);
  });
});
