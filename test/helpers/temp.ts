// Temp folders for tests, removed after each test file.
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fse from 'fs-extra';
import { afterAll } from 'vitest';

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map((dir) => fse.remove(dir)));
});

/** Creates a fresh temp folder (real path, no symlinks), removed when the test file ends. */
export function makeTempDir(prefix = 'jobline-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  created.push(dir);
  return dir;
}
