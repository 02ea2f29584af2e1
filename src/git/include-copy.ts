// Copying the ignored files a new worktree needs to build (`.env`, `node_modules`) from the
// checkout it came from (config `worktree.include`). Cheapest first: a copy-on-write clone where
// the file system has one (cp --reflink), else hard links for folders (node_modules-like trees:
// their files are replaced, not edited, by the tools that change them), else a plain copy.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
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

// Whether `cp --reflink=always` works from `from`'s file system into `to`'s, by folder devices:
// learnt from the first copy (it fails at its first file where the file system cannot clone),
// never by writing a probe into the user's checkout.
const reflinkByDevices = new Map<string, boolean>();
function devicesOf(from: string, to: string): string {
  return `${statSync(from).dev}:${statSync(to).dev}`;
}

/**
 * The files and folders of the checkout at `source` that `globs` name (relative to its top level):
 * a plain path where it exists; a pattern among the ignored paths git lists (a folder git reports
 * whole, like `node_modules`, is matched by its own path). Copies are never committed (see
 * stageAll in worktree.ts).
 * @throws WorktreeError GIT_FAILED.
 */
export async function findIncludes(source: string, globs: readonly string[]): Promise<string[]> {
  const trimmed = globs.map((glob) => glob.replace(/\/+$/, ''));
  // A plain path (`.env`, `node_modules`) is looked for where it is: git need not walk the tree.
  const literal = trimmed.filter((glob) => !/[*?[\]{}!]/.test(glob));
  const patterns = trimmed.filter((glob) => !literal.includes(glob));
  const found = literal.filter((path) => existsSync(join(source, path)));
  if (patterns.length === 0) return found;
  const isMatch = picomatch(patterns, { dot: true });
  const ignored = splitNul(await gitText(source, ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z']));
  return [...new Set([...found, ...ignored.map((path) => path.replace(/\/+$/, '')).filter((path) => isMatch(path))])];
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
  const devices = devicesOf(source, target);
  const copied: IncludeCopy[] = [];
  for (const path of paths) {
    const from = join(source, path);
    const to = join(target, path);
    mkdirSync(dirname(to), { recursive: true });
    rmSync(to, { recursive: true, force: true });
    if (reflinkByDevices.get(devices) !== false) {
      const isCloned = await cp(['-a', '--reflink=always', from, to]);
      reflinkByDevices.set(devices, isCloned);
      if (isCloned) {
        copied.push({ path, method: 'reflink' });
        continue;
      }
      rmSync(to, { recursive: true, force: true });
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
