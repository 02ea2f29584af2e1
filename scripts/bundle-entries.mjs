// Bundles the scripts that start a thread or a process (worker, spawner, write thread) after
// `tsc`: each becomes one self-contained file in dist/entries/, because a new thread loading a
// dozen small modules one by one spent ~5 ms of a ~25 ms worker boot on them (one file: ~0.5 ms;
// shared chunks, tried first, still cost ~2 ms). Packages stay external (loaded from
// node_modules as usual), and so does the LLM runner, which the worker imports only for an LLM
// job: it loads from tsc's output in dist/agents/llm/, keeping the worker's file small.
import { build } from 'esbuild';
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
rmSync(`${dist}entries`, { recursive: true, force: true });
const threads = await build({
  entryPoints: {
    'worker-entry': `${dist}jobs/runtime/worker-entry.js`,
    'spawner-entry': `${dist}jobs/process/spawner-entry.js`,
    'write-thread-entry': `${dist}store/write-thread-entry.js`,
  },
  outdir: `${dist}entries`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // The worker imports the LLM runner as ../../agents/llm/llm-runner.js (from dist/jobs/runtime/);
  // the bundle lives in dist/entries/, one level higher, so the path is rewritten to match.
  plugins: [{
    name: 'llm-runner-stays-external',
    setup(context) {
      context.onResolve({ filter: /\/agents\/llm\/llm-runner\.js$/ }, () => ({ path: '../agents/llm/llm-runner.js', external: true }));
    },
  }],
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
});
// A thread's entry must not load a package it does not need to start: zod (about 50 ms to load)
// came into the worker and the write thread through one formatting function of the task log, and
// every job's first run waited for it. The build fails instead of letting it in again.
const HEAVY_PACKAGES = ['zod', 'ai', 'hono', 'preact', 'bullmq', 'ioredis', 'chalk', 'enquirer', 'ora'];
for (const [file, output] of Object.entries(threads.metafile.outputs)) {
  const heavy = output.imports.filter((imported) => imported.external && HEAVY_PACKAGES.some((name) => imported.path === name || imported.path.startsWith(`${name}/`)));
  if (heavy.length > 0) {
    process.stderr.write(`${file} imports ${heavy.map((imported) => imported.path).join(', ')}: a thread's entry must not load these (see scripts/bundle-entries.mjs).\n`);
    process.exit(1);
  }
}

// The command line itself, bundled into dist/cli.js and dist/cli-main.js (replacing tsc's output) with its packages:
// a start loaded ~150 small modules and ~250 package files one by one (zod alone ~70), which was
// most of the REPL's startup time. Packages used only by some commands (enquirer's questions,
// ora's spinner, fs-extra's removal) are imported dynamically and split into dist/chunks/, so a
// start neither compiles nor runs them. It is built from the TypeScript sources, not from tsc's
// dist/cli.js: tsc builds incrementally and does not emit that file again when src/cli.ts is
// unchanged, so it may be the previous bundle. tsc's per-module output stays beside it for the
// tests and benchmarks that import modules.
rmSync(`${dist}chunks`, { recursive: true, force: true });
await build({
  // cli.js only sets V8's memory flags and then imports cli-main.js (see src/cli.ts); both sit in
  // dist/, where cli-main finds ../package.json as tsc's module did.
  entryPoints: { cli: fileURLToPath(new URL('../src/cli.ts', import.meta.url)), 'cli-main': fileURLToPath(new URL('../src/cli-main.ts', import.meta.url)) },
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS packages (commander, enquirer, picomatch, fs-extra) call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // The queue's packages (BullMQ, ioredis: loaded only with a queue) stay in node_modules.
  external: ['bullmq', 'ioredis'],
  sourcemap: true,
  logLevel: 'warning',
});

// The web dashboard (src/dashboard/): one script and one stylesheet for the browser, with Preact
// and htm inside, so the page loads nothing from anywhere but the server (it works offline).
rmSync(`${dist}dashboard`, { recursive: true, force: true });
await build({
  entryPoints: { app: fileURLToPath(new URL('../src/dashboard/main.ts', import.meta.url)) },
  outdir: `${dist}dashboard`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
copyFileSync(fileURLToPath(new URL('../src/dashboard/index.html', import.meta.url)), `${dist}dashboard/index.html`);
copyFileSync(fileURLToPath(new URL('../src/dashboard/app.css', import.meta.url)), `${dist}dashboard/app.css`);
