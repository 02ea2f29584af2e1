// Where the compiled scripts that run in their own thread or process live (worker, spawner,
// write thread). Under vitest this module is loaded from src/ as TypeScript, which a worker or a
// plain `node` cannot load, so the compiled twin in dist/ is used (the test setup builds it first).

/** Returns the URL of the compiled script at `path` inside dist/ (e.g. 'jobs/worker-entry.js'). */
export function getCompiledEntry(path: string): URL {
  return import.meta.url.endsWith('.ts') ? new URL(`../dist/${path}`, import.meta.url) : new URL(`./${path}`, import.meta.url);
}
