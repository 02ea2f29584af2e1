// How hard the reliability suite pushes: RELIABILITY_SCALE=full for `npm run test:reliability`,
// a quick subset otherwise (CI runs it with every `npm test`). Results are collected for the report.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True for the full campaign; false for the CI subset. */
export const IS_FULL = process.env.RELIABILITY_SCALE === 'full';

/** Picks the full or the CI figure. */
export function scaled(full: number, ci: number): number {
  return IS_FULL ? full : ci;
}

const RESULTS = fileURLToPath(new URL('../../.reliability/results.json', import.meta.url));

/** Records one section's figures for docs/RELIABILITY.md (written by test/reliability/write-report.mjs). */
export function recordResult(section: string, figures: Record<string, unknown>): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    // First section of this run.
  }
  all[section] = { ...figures, scale: IS_FULL ? 'full' : 'ci', at: new Date().toISOString() };
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}
