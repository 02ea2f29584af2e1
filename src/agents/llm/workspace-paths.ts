// Confining tool paths to the workspace: no absolute paths, no `..` out of it, and no symlink that
// leads outside (checked on the real path of the deepest part that exists).
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** A path a tool may not use; its message goes back to the model as the tool's error. */
export class PathRefusedError extends Error {}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function realpathOfDeepestExisting(path: string): string {
  let current = path;
  for (;;) {
    try {
      return realpathSync(current);
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/**
 * Resolves `requested` (relative to `workspace`, which must be absolute) to an absolute path
 * inside the workspace.
 * @throws PathRefusedError for an empty or absolute path, one that climbs out with `..`, or one
 *   that reaches outside through a symlink.
 */
export function resolveInWorkspace(workspace: string, requested: string): string {
  if (typeof requested !== 'string' || requested.trim() === '') throw new PathRefusedError('path is empty');
  if (isAbsolute(requested)) throw new PathRefusedError(`absolute paths are not allowed (${requested}); use a path relative to the workspace root`);
  const root = realpathSync(workspace);
  const target = resolve(root, requested);
  if (!isInside(root, target)) throw new PathRefusedError(`${requested} is outside the workspace`);
  if (!isInside(root, realpathOfDeepestExisting(target))) throw new PathRefusedError(`${requested} leads outside the workspace through a symbolic link`);
  return target;
}

/** Returns `absolute` relative to the workspace root, with forward slashes (what the model sees). */
export function toWorkspacePath(workspace: string, absolute: string): string {
  return relative(realpathSync(workspace), absolute).split(sep).join('/') || '.';
}
