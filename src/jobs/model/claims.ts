// Whether two tasks' claims (path globs they may modify) can name the same file. Sound, not exact:
// it may answer "overlap" for two globs that share no file, never "no overlap" for two that do,
// so two tasks that could touch one file never run at once. Pure.
import picomatch from 'picomatch';

const GLOB_CHARS = /[*?[\]{}()!+@]/;

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
  if (!isGlobX && !isGlobY) return x === y;
  if (!isGlobX) return picomatch.isMatch(x, y, { dot: true });
  if (!isGlobY) return picomatch.isMatch(y, x, { dot: true });
  const [prefixX, suffixX] = fixedEnds(x);
  const [prefixY, suffixY] = fixedEnds(y);
  return (prefixX.startsWith(prefixY) || prefixY.startsWith(prefixX)) && (suffixX.endsWith(suffixY) || suffixY.endsWith(suffixX));
}

function fixedEnds(segment: string): [string, string] {
  const first = segment.search(GLOB_CHARS);
  let last = segment.length - 1;
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
