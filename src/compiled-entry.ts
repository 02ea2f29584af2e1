// Where the scripts that run in their own thread or process live (worker, spawner, write thread):
// bundled into dist/entries/ by scripts/bundle-entries.mjs, so a new thread loads one file, not a
// dozen. This module itself runs from src/ under vitest (TypeScript, which a worker or a plain
// `node` cannot load: the bundles in dist/ are used; the test setup builds them first), from
// dist/ in the main thread, inlined into a chunk of the command line's bundle in dist/chunks/ (a
// command loaded on demand, such as serve), or inlined into a bundle in dist/entries/ (inside a worker).

/** Returns the URL of the bundled script `name` (e.g. 'worker-entry') in dist/entries/. */
export function getCompiledEntry(name: string): URL {
  const here = import.meta.url;
  const folder = here.endsWith('.ts') ? '../dist/entries/' : here.includes('/dist/entries/') ? './' : here.includes('/dist/chunks/') ? '../entries/' : './entries/';
  return new URL(`${folder}${name}.js`, here);
}
