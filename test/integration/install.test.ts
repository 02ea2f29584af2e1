// Using jobline on one's own project: `-C DIR` runs it as if started in DIR (as `git -C`), and the
// two ways the README gives to put `jobline` on PATH work: `npm link` in the clone, and
// `npm install -g` of the packed tarball (each into a temporary prefix, never the machine's).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';

const CLONE = fileURLToPath(new URL('../../', import.meta.url));

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

  it('npm link in the clone puts jobline on PATH', () => {
    const prefix = makeTempDir('npm-prefix-');
    execFileSync('npm', ['link', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: CLONE, env: { ...process.env, NPM_CONFIG_PREFIX: prefix }, stdio: 'pipe' });
    const target = project();
    const ran = runOnPath(join(prefix, 'bin'), target);
    expect([ran.status, ran.stderr]).toEqual([0, expect.stringMatching(/✅ job-\w{8} .*completed/)]);
    expect(ran.stdout).toContain('ran from PATH');
    expect(readFileSync(join(target.dir, 'where.txt'), 'utf8').trim()).toBe(target.dir);
  }, 60_000);

  it('npm install -g of the packed tarball puts jobline on PATH', () => {
    const packs = makeTempDir('npm-pack-');
    execFileSync('npm', ['pack', '--pack-destination', packs, '--ignore-scripts'], { cwd: CLONE, stdio: 'pipe' });
    const [tarball] = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
    const prefix = makeTempDir('npm-prefix-');
    // Its dependencies come from npm's cache where it has them (the registry otherwise).
    execFileSync('npm', ['install', '-g', join(packs, tarball!), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: packs, env: { ...process.env, NPM_CONFIG_PREFIX: prefix }, stdio: 'pipe' });
    const target = project();
    const ran = runOnPath(join(prefix, 'bin'), target);
    expect([ran.status, ran.stderr]).toEqual([0, expect.stringMatching(/✅ job-\w{8} .*completed/)]);
    expect(ran.stdout).toContain('ran from PATH');
  }, 180_000);
});
