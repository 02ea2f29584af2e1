// Whether two tasks' claims (path globs they may modify) can name the same file. Sound, not exact:
// it may answer "overlap" for two globs that share no file, never "no overlap" for two that do,
// so two tasks that could touch one file never run at once. Pure.
import picomatch from 'picomatch';
import { TransitionError } from '../../errors.js';

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * Why `path` cannot be a task's file or claim, or null when it can: a path or glob relative to
 * the job's folder and inside it: not empty, not absolute, no `..` segment, no NUL or line
 * break. One sentence, naming the path.
 */
export function findClaimPathProblem(path: string): string | null {
  const shown = JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path);
  if (path.trim() === '') return 'a file is a path relative to the job\'s folder, not empty';
  if (path.startsWith('/')) return `${shown} is absolute: a file is a path relative to the job's folder, inside it`;
  if (/[\0\n\r]/.test(path)) return `${shown} holds a NUL or a line break: a file is a path relative to the job's folder`;
  if (path.split('/').includes('..')) return `${shown} leaves the job's folder (..): a file is a path relative to the job's folder, inside it`;
  return null;
}

/**
 * Checks that every path of `paths` may be a task's file (see findClaimPathProblem).
 * @throws TransitionError FILES_INVALID naming the first that may not, and `what` they are.
 */
export function assertClaimPaths(paths: readonly string[], what: string): void {
  for (const path of paths) {
    const problem = findClaimPathProblem(path);
    if (problem) throw new TransitionError('FILES_INVALID', `${what}: ${problem}.`);
  }
}

/**
 * Checks the files of every task of `plans` (see findClaimPathProblem): a submission's or a
 * coordinator's, before anything of the job is made.
 * @throws TransitionError FILES_INVALID naming the task and the first file that may not be one.
 */
export function assertTaskPlanFiles(plans: ReadonlyArray<{ title: string; claims: readonly string[] }>): void {
  for (const plan of plans) assertClaimPaths(plan.claims, `The files of task ${JSON.stringify(plan.title.slice(0, 80))}`);
}

/**
 * True when some path could match both claims. Claims are POSIX paths relative to the job's
 * folder, in picomatch syntax (`*`, `**`, `?`, `[...]`, `{a,b}`); a claim without glob
 * characters names a file or a folder and everything under it (`src` claims `src/a.ts`).
 * Leading `./` and trailing `/` are ignored.
 */
export function doClaimsOverlap(a: string, b: string): boolean {
  return matchSegments(toSegments(a), 0, toSegments(b), 0);
}

/** True when any claim of `a` overlaps any claim of `b` (see doClaimsOverlap). */
export function doClaimListsOverlap(a: readonly string[], b: readonly string[]): boolean {
  return findOverlappingClaims(a, b) !== null;
}

/** The first claim of `a` and the claim of `b` it overlaps (see doClaimsOverlap), or null. */
export function findOverlappingClaims(a: readonly string[], b: readonly string[]): [string, string] | null {
  for (const left of a) for (const right of b) if (doClaimsOverlap(left, right)) return [left, right];
  return null;
}

// A claim's path segments, without `.` and empty ones (`./src//a.ts/` is `src`, `a.ts`).
function splitClaim(claim: string): string[] {
  return claim.split('/').filter((segment) => segment !== '' && segment !== '.');
}

// A literal claim also claims what is under it: it ends in an implicit `**`.
function toSegments(claim: string): string[] {
  const segments = splitClaim(claim);
  return GLOB_CHARS.test(claim) ? segments : [...segments, '**'];
}

// Can the segments a[i..] and b[j..] match one path? `**` matches any number of segments.
function matchSegments(a: string[], i: number, b: string[], j: number): boolean {
  if (i === a.length && j === b.length) return true;
  if (a[i] === '**') return matchSegments(a, i + 1, b, j) || (j < b.length && matchSegments(a, i, b, j + 1));
  if (b[j] === '**') return matchSegments(a, i, b, j + 1) || (i < a.length && matchSegments(a, i + 1, b, j));
  if (i === a.length || j === b.length) return false;
  return canSegmentsMatch(a[i]!, b[j]!) && matchSegments(a, i + 1, b, j + 1);
}

// Can one path segment match both? Exact for a literal against anything; for two globs, they are
// compatible unless their fixed beginnings or fixed ends differ (e.g. `*.ts` and `*.css`).
function canSegmentsMatch(x: string, y: string): boolean {
  const isGlobX = GLOB_CHARS.test(x);
  const isGlobY = GLOB_CHARS.test(y);
  // Stryker disable next-line ConditionalExpression: a fast path: picomatch matches a literal against a literal only when they are equal
  if (!isGlobX && !isGlobY) return x === y;
  if (!isGlobX) return picomatch.isMatch(x, y, { dot: true });
  if (!isGlobY) return picomatch.isMatch(y, x, { dot: true });
  const [prefixX, suffixX] = fixedEnds(x);
  const [prefixY, suffixY] = fixedEnds(y);
  return (prefixX.startsWith(prefixY) || prefixY.startsWith(prefixX)) && (suffixX.endsWith(suffixY) || suffixY.endsWith(suffixX));
}

function fixedEnds(segment: string): [string, string] {
  const first = segment.search(GLOB_CHARS);
  // Stryker disable next-line ArithmeticOperator: past the end, segment[last] is undefined, which is no glob character either
  let last = segment.length - 1;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a glob segment holds a glob character, where the loop stops first
  while (last >= 0 && !GLOB_CHARS.test(segment[last]!)) last--;
  return [segment.slice(0, first), segment.slice(last + 1)];
}

/**
 * True when `path` (a file, relative to the job's folder, normalised) is within `claim`: a glob
 * that matches it, or a literal claim naming the file itself or a folder above it. Exact, for a
 * write's check (doClaimsOverlap is the sound-but-coarse check between two claims).
 */
export function isPathInClaim(path: string, claim: string): boolean {
  const normalised = splitClaim(claim).join('/');
  if (GLOB_CHARS.test(normalised)) return picomatch.isMatch(path, normalised, { dot: true });
  // An empty claim (`.`, `./`) is the whole folder.
  return normalised === '' || path === normalised || path.startsWith(`${normalised}/`);
}
