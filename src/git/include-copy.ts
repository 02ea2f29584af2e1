// Copying the ignored files a new worktree needs to build (`.env`, `node_modules`) from the
// checkout it came from (config `worktree.include`). Cheapest first: a copy-on-write clone where
// the file system has one (cp --reflink), else hard links for folders (node_modules-like trees:
// their files are replaced, not edited, by the tools that change them), else a plain copy.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { gitText, splitNul } from './git-cli.js';

/** How one include was copied. */
export type CopyMethod = 'reflink' | 'hardlink' | 'copy';

/** What copyIncludes did: each path copied (relative to the top level) and how. */
export interface IncludeCopy {
  path: string;
  method: CopyMethod;
}

function cp(args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => execFile('cp', [...args], { timeout: 30 * 60_000 }, (error) => resolve(!error)));
}

// Whether `cp --reflink=always` works from `from`'s file system into `to`'s: probed once per pair
// of folders' devices (a copy-on-write clone costs nothing; a real copy of node_modules costs seconds).
const reflinkByDevices = new Map<string, Promise<boolean>>();
function canReflink(from: string, to: string): Promise<boolean> {
  const key = `${statSync(from).dev}:${statSync(to).dev}`;
  let known = reflinkByDevices.get(key);
  if (!known) {
    known = (async () => {
      const probe = mkdtempSync(join(from, '.jobline-reflink-'));
      const target = mkdtempSync(join(to, '.jobline-reflink-'));
      try {
        writeFileSync(join(probe, 'p'), 'p');
        return await cp(['--reflink=always', join(probe, 'p'), join(target, 'p')]);
      } finally {
        rmSync(probe, { recursive: true, force: true });
        rmSync(target, { recursive: true, force: true });
      }
    })().catch(() => false);
    reflinkByDevices.set(key, known);
  }
  return known;
}

/**
 * The ignored files and folders of the checkout at `source` that `globs` match (relative to its
 * top level; a folder git reports whole, like `node_modules`, is matched by its own path). Only
 * ignored paths: a tracked or untracked file is the branch's business, never copied.
 * @throws WorktreeError GIT_FAILED.
 */
export async function findIncludes(source: string, globs: readonly string[]): Promise<string[]> {
  if (globs.length === 0) return [];
  const isMatch = picomatch(globs.map((glob) => glob.replace(/\/+$/, '')), { dot: true });
  const ignored = splitNul(await gitText(source, ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z']));
  return ignored.map((path) => path.replace(/\/+$/, '')).filter((path) => isMatch(path));
}

/**
 * Copies the `globs` includes of the checkout at `source` into the worktree at `target` (the same
 * relative paths), each by the cheapest method that works (see the header). Returns what was
 * copied. A path that cannot be copied is skipped, not fatal: the worktree's setup command
 * (npm ci) may make it. @throws WorktreeError GIT_FAILED (listing the includes).
 */
export async function copyIncludes(source: string, target: string, globs: readonly string[]): Promise<IncludeCopy[]> {
  const paths = await findIncludes(source, globs);
  if (paths.length === 0) return [];
  const isReflink = await canReflink(source, target);
  const copied: IncludeCopy[] = [];
  for (const path of paths) {
    const from = join(source, path);
    const to = join(target, path);
    mkdirSync(dirname(to), { recursive: true });
    rmSync(to, { recursive: true, force: true });
    if (isReflink && (await cp(['-a', '--reflink=always', from, to]))) {
      copied.push({ path, method: 'reflink' });
      continue;
    }
    let isFolder = false;
    try {
      isFolder = statSync(from).isDirectory();
    } catch {
      continue;
    }
    if (isFolder && (await cp(['-al', from, to]))) {
      copied.push({ path, method: 'hardlink' });
      continue;
    }
    rmSync(to, { recursive: true, force: true });
    if (await cp(['-a', from, to])) copied.push({ path, method: 'copy' });
  }
  return copied;
}
