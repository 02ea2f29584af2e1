// jobline's own version, read once from its package.json. This module runs from tsc's output
// (dist/version.js) and from bundles (dist/cli-main.js, dist/chunks/*.js), so the file is looked
// for in the folders above it, nearest first.
import { readFileSync } from 'node:fs';

/** The version in jobline's package.json, e.g. `0.1.0`; `unknown` if it cannot be read. */
export const JOBLINE_VERSION: string = (() => {
  for (const relative of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'jobline' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // Not here: one folder up.
    }
  }
  return 'unknown';
})();
