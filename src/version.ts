// jobline's own version, read once from package.json (one folder above this module, both in
// tsc's output dist/version.js and in the bundle dist/cli-main.js that inlines it).
import { readFileSync } from 'node:fs';

/** The version in package.json, e.g. `0.1.0`; `unknown` if it cannot be read. */
export const JOBLINE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
