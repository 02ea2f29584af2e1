// Real git repositories in temp folders for the worktree and merge-queue tests: no mocks of git.
// Every git the tests (and the joblines they start) run sees no system config and a temp HOME,
// with an identity in the environment, so nothing depends on the machine's git setup.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from './temp.js';

/** A project under git, its jobs folder and HOME beside it, and the environment a jobline there needs. */
export interface GitProject {
  root: string;
  /** The user's checkout (`main` checked out). */
  cwd: string;
  jobsDir: string;
  home: string;
  /** Where job worktrees go by default (`worktrees` beside the jobs folder). */
  worktreesDir: string;
  env: Record<string, string>;
  /** Runs git in the checkout (or `dir`) and returns its stdout. */
  git(args: string[], dir?: string): string;
  read(path: string, dir?: string): string;
  write(path: string, text: string, dir?: string): void;
  /** Commits everything in the checkout with `message`. */
  commitAll(message: string): string;
}

/** The environment of git and jobline in tests: no system config, a temp HOME, a fixed identity. */
export function gitEnv(home: string): Record<string, string> {
  return { HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com', NO_COLOR: '1' };
}

/**
 * A fresh repository with `files` committed on `main`, and `config` as its .jobrc.json (committed
 * too, so it is not an uncommitted change of the user's).
 */
export function makeGitProject(files: Record<string, string>, config: Record<string, unknown> = {}): GitProject {
  const root = makeTempDir('jobline-git-');
  const cwd = join(root, 'project');
  const home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  const env = { ...gitEnv(home), JOBLINE_JOBS_DIR: join(root, 'jobs') };
  const git = (args: string[], dir = cwd): string => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const write = (path: string, text: string, dir = cwd): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  git(['init', '-q', '-b', 'main']);
  for (const [path, text] of Object.entries(files)) write(path, text);
  write('.jobrc.json', JSON.stringify(config, null, 2));
  git(['add', '-A']);
  git(['commit', '-qm', 'start']);
  return {
    root, cwd, home, env, git, write,
    jobsDir: join(root, 'jobs'),
    worktreesDir: join(root, 'worktrees'),
    read: (path, dir = cwd) => readFileSync(join(dir, path), 'utf8'),
    commitAll: (message) => {
      git(['add', '-A']);
      git(['commit', '-qm', message]);
      return git(['rev-parse', 'HEAD']).trim();
    },
  };
}
