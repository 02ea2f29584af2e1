// Builds dist/ once per test run (tsc, then the thread and process entries bundled, as
// `npm run build` does): worker threads and CLI child processes run the compiled JavaScript, so
// tests always exercise the code under test, never a stale build.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle-entries.mjs'], { stdio: 'inherit' });
}
