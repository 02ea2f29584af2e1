// Using jobline on one's own project: `-C DIR` runs it as if started in DIR (as `git -C`), and the
// two ways the README gives to put `jobline` on PATH work: `npm link` in the clone, and
// `npm install -g` of the packed tarball (each into a temporary prefix, never the machine's, with
// the dependencies from a registry on 127.0.0.1: test/helpers/local-registry.ts).
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { startLocalRegistry, type LocalRegistry } from '../helpers/local-registry.js';

const CLONE = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

// A project of one's own, with an agent only its config knows.
function project(): { dir: string; jobsDir: string } {
  const dir = makeTempDir('my-project-');
  writeFileSync(join(dir, '.jobrc.json'), JSON.stringify({ agents: { here: { type: 'command', phases: [{ name: 'run', run: 'pwd > where.txt; echo "ran $JOB_PROMPT"' }] } } }));
  return { dir, jobsDir: join(makeTempDir(), 'jobs') };
}

// Runs `jobline -C <project> run …` as the program `jobline` found on PATH (`bin`), from another folder.
function runOnPath(bin: string, target: { dir: string; jobsDir: string }): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('jobline', ['-C', target.dir, 'run', '-y', '--agent', 'here', 'from PATH'], {
    cwd: makeTempDir(),
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, JOBLINE_JOBS_DIR: target.jobsDir, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('jobline on one\'s own project', () => {
  it('-C DIR reads DIR\'s config and runs jobs there, from anywhere; a missing DIR is said in one line', async () => {
    const target = project();
    const elsewhere = makeTempDir();
    const { code, stdout } = await runCli(['-C', target.dir, 'run', '-y', '--agent', 'here', 'the task'], { cwd: elsewhere, env: { JOBLINE_JOBS_DIR: target.jobsDir } });
    expect(code).toBe(0);
    expect(stdout).toContain('ran the task');
    expect(readFileSync(join(target.dir, 'where.txt'), 'utf8').trim()).toBe(target.dir);
    expect(readdirSync(elsewhere)).toEqual([]);
    const listed = await runCli(['-C', target.dir, 'list'], { cwd: elsewhere, env: { JOBLINE_JOBS_DIR: target.jobsDir } });
    expect(listed.stdout).toMatch(/here\s+completed/);
    const missing = await runCli(['-C', join(elsewhere, 'nope'), 'list'], { cwd: elsewhere, env: { JOBLINE_JOBS_DIR: target.jobsDir } });
    expect([missing.code, missing.stderr]).toEqual([2, `jobline: -C ${join(elsewhere, 'nope')}: no such folder.\n`]);
  });

  // npm, with a prefix and a cache of the test's own, and the registry on 127.0.0.1 (nothing of
  // this test reaches another machine).
  const npmEnv = (registry: LocalRegistry, prefix: string): NodeJS.ProcessEnv => ({ ...process.env, NPM_CONFIG_PREFIX: prefix, npm_config_cache: makeTempDir('npm-cache-'), npm_config_registry: registry.url, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });

  it('npm link in the clone puts jobline on PATH', async () => {
    const prefix = makeTempDir('npm-prefix-');
    const registry = await startLocalRegistry(join(CLONE, 'node_modules'));
    try {
      // Not execFileSync: the registry answers from this process.
      await run('npm', ['link', '--ignore-scripts'], { cwd: CLONE, env: npmEnv(registry, prefix) });
    } finally {
      await registry.close();
    }
    const target = project();
    const ran = runOnPath(join(prefix, 'bin'), target);
    expect([ran.status, ran.stderr]).toEqual([0, expect.stringMatching(/✅ job-\w{8} .*completed/)]);
    expect(ran.stdout).toContain('ran from PATH');
    expect(readFileSync(join(target.dir, 'where.txt'), 'utf8').trim()).toBe(target.dir);
  }, 60_000);

  it('npm install -g of the packed tarball puts jobline on PATH', async () => {
    const packs = makeTempDir('npm-pack-');
    const prefix = makeTempDir('npm-prefix-');
    const registry = await startLocalRegistry(join(CLONE, 'node_modules'));
    try {
      await run('npm', ['pack', '--pack-destination', packs, '--ignore-scripts'], { cwd: CLONE, env: npmEnv(registry, prefix) });
      const [tarball] = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
      // Its dependencies come from the registry on 127.0.0.1 (the clone's own node_modules).
      await run('npm', ['install', '-g', join(packs, tarball!)], { cwd: packs, env: npmEnv(registry, prefix) });
    } finally {
      await registry.close();
    }
    const target = project();
    const ran = runOnPath(join(prefix, 'bin'), target);
    expect([ran.status, ran.stderr]).toEqual([0, expect.stringMatching(/✅ job-\w{8} .*completed/)]);
    expect(ran.stdout).toContain('ran from PATH');
  }, 180_000);
});
