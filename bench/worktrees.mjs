// Worktrees and landings (issue 26), each against what a person would do by hand, in the same run:
// - making a job's worktree in a repository of 10,000 files with an include of a 20,000-file
//   node_modules, against `git worktree add` followed by `cp -al` of the same folder;
// - landing 20 ready jobs that touch different files, without a check, through jobline's merge
//   queue (each step recorded in the job before the next), against the bare `git merge-tree
//   --write-tree` + `commit-tree` + `update-ref` sequence.
// Run alone: `node bench/worktrees.mjs` (after npm run build).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { tempDir } from './lib.mjs';

const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);
const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
Object.assign(process.env, ENV);
const git = (cwd, args) => execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).trim();
const settings = (dir, include) => ({ dir, include, setup: null, merge: { auto: false, target: null, strategy: 'merge', check: null } });

// A repository of `files` tracked files (100 folders) and an ignored node_modules of `modules` files.
function makeRepository(files, modules) {
  const root = tempDir('worktrees-');
  const repo = join(root, 'repo');
  mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  for (let i = 0; i < files; i++) {
    const folder = join(repo, 'src', `d${i % 100}`);
    if (i < 100) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.ts`), `export const v${i} = ${i};\n`);
  }
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
  for (let i = 0; i < modules; i++) {
    const folder = join(repo, 'node_modules', `pkg${i % 400}`);
    if (i < 400) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `m${i}.js`), `module.exports = ${i};\n`);
  }
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', 'start']);
  return { root, repo, head: git(repo, ['rev-parse', 'HEAD']) };
}

/**
 * Making one worktree with its include, 5 times each way, interleaved (each way first in turn) (each made worktree is
 * removed before the next). Returns the medians (ms) and jobline's ratio to the manual way.
 */
export async function measureWorktreeCreation(files = 10_000, modules = 20_000) {
  const { GitWorktrees } = await dist('git/git-worktrees.js');
  const { root, repo, head } = makeRepository(files, modules);
  const dir = join(root, 'worktrees');
  const port = new GitWorktrees(settings(dir, ['node_modules']));
  const jobline = [];
  const manual = [];
  for (let i = 0; i < 5; i++) {
    const worktree = { path: join(dir, `job-${i}`), branch: `jobline/job-${i}`, base: head, baseBranch: 'main', repository: repo, snapshot: null, target: 'main', isolation: 'worktree' };
    const path = join(dir, `hand-${i}`);
    const byJobline = async () => {
      const started = performance.now();
      await port.create(worktree);
      jobline.push(performance.now() - started);
    };
    const byHand = () => {
      const started = performance.now();
      git(repo, ['worktree', 'add', '--quiet', '-b', `hand-${i}`, path, head]);
      execFileSync('cp', ['-al', join(repo, 'node_modules'), join(path, 'node_modules')]);
      manual.push(performance.now() - started);
    };
    // Each goes first in turn (the second finds the repository's files in the page cache).
    if (i % 2 === 0) {
      await byJobline();
      byHand();
    } else {
      byHand();
      await byJobline();
    }
    await port.remove(worktree);
    git(repo, ['worktree', 'remove', '--force', path]);
  }
  rmSync(root, { recursive: true, force: true });
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return { jobline: median(jobline), manual: median(manual), ratio: median(jobline) / median(manual) };
}

// `count` completed jobs in `jobsDir`, each with a branch of one commit touching its own file, ready to land on `target`.
async function makeReadyJobs(repo, jobsDir, dir, head, count, target) {
  const { JobStore } = await dist('store/job-store.js');
  const { createJob } = await dist('jobs/model/job.js');
  const { getCurrentOwner } = await dist('jobs/process/owner.js');
  const store = JobStore.open(jobsDir);
  const ids = [];
  for (let i = 0; i < count; i++) {
    const branch = `jobline/ready-${i}`;
    git(repo, ['branch', branch, head]);
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, env: ENV, input: `job ${i}\n`, encoding: 'utf8' }).trim();
    const tree = execFileSync('git', ['mktree'], { cwd: repo, env: ENV, input: `${git(repo, ['ls-tree', head])}\n100644 blob ${blob}\tready-${i}.txt\n`, encoding: 'utf8' }).trim();
    const commit = git(repo, ['commit-tree', tree, '-p', head, '-m', `ready-${i}: edit`]);
    git(repo, ['update-ref', `refs/heads/${branch}`, commit]);
    const id = store.claimIdSync();
    const now = new Date().toISOString();
    const job = createJob({ id, agent: 'edit', description: `job ${i}`, mode: 'background', phaseNames: ['edit'], owner: getCurrentOwner(), now, name: `ready-${i}`, worktree: { path: join(dir, `ready-${i}`), branch, base: head, baseBranch: 'main', repository: repo, snapshot: null, target, isolation: 'worktree' } });
    store.writeSync({ ...job, status: 'completed', startedAt: now, endedAt: now, phases: [{ ...job.phases[0], status: 'completed', attempts: 1, startedAt: now, endedAt: now, commit }], merge: { status: 'ready', target, commit: null, conflicts: [], checkedCommit: null, landedAt: null } }, [{ ts: now, type: 'completed' }]);
    ids.push({ id, branch });
  }
  return { store, ids };
}

/**
 * Landing `count` ready jobs one after the other through the merge queue, on a branch checked out
 * nowhere (compare-and-swap: the bare sequence's update-ref is one too), against the bare sequence
 * on as many branches of the same repository, one of each in turn. Returns the median ms per
 * landing of each and the ratio.
 */
export async function measureLandings(count = 20) {
  const { GitWorktrees } = await dist('git/git-worktrees.js');
  const { MergeQueue } = await dist('jobs/service/merge-queue.js');
  const { root, repo, head } = makeRepository(200, 0);
  git(repo, ['branch', 'integration', head]);
  const dir = join(root, 'worktrees');
  const { store, ids } = await makeReadyJobs(repo, join(root, 'jobs'), dir, head, count, 'integration');
  const port = new GitWorktrees({ ...settings(dir, []), merge: { auto: false, target: 'integration', strategy: 'merge', check: null } });
  const queue = new MergeQueue({ port, repository: store, now: () => new Date().toISOString(), committed: () => {}, activity: () => {} });
  // The bare sequence, on branches of its own made the same way (so both merge the same shapes).
  git(repo, ['branch', 'bare', head]);
  const bareBranches = ids.map(({ branch }) => branch);
  // Interleaved, one landing then one bare step, so a change of the machine's load meanwhile
  // weighs on both alike; the medians of the per-landing times.
  const joblineTimes = [];
  const bareTimes = [];
  for (let i = 0; i < ids.length; i++) {
    let started = performance.now();
    const landed = await queue.land(ids[i].id);
    joblineTimes.push(performance.now() - started);
    if (landed.merge?.status !== 'landed') throw new Error(`${ids[i].id} did not land: ${landed.merge?.status} ${landed.merge?.error ?? ''}`);
    const branch = bareBranches[i];
    started = performance.now();
    const old = git(repo, ['rev-parse', 'refs/heads/bare']);
    const tree = git(repo, ['merge-tree', '--write-tree', old, branch]);
    const commit = git(repo, ['commit-tree', tree, '-p', old, '-p', branch, '-m', `Merge ${branch}`]);
    git(repo, ['update-ref', 'refs/heads/bare', commit, old]);
    bareTimes.push(performance.now() - started);
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const jobline = median(joblineTimes);
  const bare = median(bareTimes);
  await store.close();
  rmSync(root, { recursive: true, force: true });
  return { jobline, bare, ratio: jobline / bare };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const created = await measureWorktreeCreation();
  process.stdout.write(`worktree with a 20,000-file include, in a 10,000-file repository: jobline ${created.jobline.toFixed(0)} ms, git worktree add + cp -al ${created.manual.toFixed(0)} ms: ${created.ratio.toFixed(2)}×\n`);
  const landed = await measureLandings();
  process.stdout.write(`landing 20 ready jobs: jobline ${landed.jobline.toFixed(1)} ms per landing, bare merge-tree + commit-tree + update-ref ${landed.bare.toFixed(1)} ms: ${landed.ratio.toFixed(2)}×\n`);
}
