// Bundles the scripts that start a thread or a process (worker, spawner, write thread) after
// `tsc`: each becomes one file (plus chunks shared between them) in dist/entries/, because a new
// thread loads a dozen small modules one by one (~5 ms of a ~25 ms worker boot), and a job's
// first phase waits for that. Packages stay external (loaded from node_modules as usual).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
rmSync(`${dist}entries`, { recursive: true, force: true });
await build({
  entryPoints: {
    'worker-entry': `${dist}jobs/worker-entry.js`,
    'spawner-entry': `${dist}jobs/spawner-entry.js`,
    'write-thread-entry': `${dist}store/write-thread-entry.js`,
  },
  outdir: `${dist}entries`,
  bundle: true,
  splitting: true, // the LLM runner, imported on demand, stays a chunk of its own
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
