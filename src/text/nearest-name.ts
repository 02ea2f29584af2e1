// "Did you mean …?" suggestions for mistyped names (config keys, slash commands, agents).
import { distance } from 'fastest-levenshtein';

/**
 * Returns the candidate closest to `typed` by edit distance (case-insensitive), or null when
 * none is close enough to be a plausible typo (distance at most a third of the longer name, rounded up).
 */
export function findNearestName(typed: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = typed.toLowerCase();
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === null) return null;
  // Plain Levenshtein counts a transposition ("jbos") as two edits, hence ceil rather than floor.
  return bestDistance <= Math.max(1, Math.ceil(Math.max(typed.length, best.length) / 3)) ? best : null;
}
