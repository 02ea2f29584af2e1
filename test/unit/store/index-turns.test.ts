// The ended-jobs index when the storage policy replaces it (compaction) in the middle of an append,
// injected at the write: the lines written to the file just replaced are written again to the
// new one, and an index replaced at every append is given up after three tries (the policy
// rebuilds what it misses). (The index on a quiet folder: job-logs.test.ts, open-files.test.ts.)
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

// Called after the real write(2) of the index, with how many writes of it came before.
const hooks: { afterWrite?: (count: number) => void } = {};
let writes = 0;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      const written = (fs.writeSync as (...a: unknown[]) => number)(...args);
      hooks.afterWrite?.(writes++);
      return written;
    },
  };
});

const { appendToIndex, formatEndedLine, formatGoneLine, INDEX_FILE } = await import('../../../src/store/ended-index.js');

afterEach(() => {
  delete hooks.afterWrite;
  writes = 0;
});

// The policy's compaction: a new file (what it kept) renamed over the index.
function compact(dir: string, kept: string): void {
  const temp = join(dir, `${INDEX_FILE}.compact.tmp`);
  writeFileSync(temp, kept);
  renameSync(temp, join(dir, INDEX_FILE));
}

const line = formatEndedLine({ id: 'job-aaaa0001', kind: 'unfinished', endedAt: '2026-11-22T10:00:00.000Z', createdAt: '2026-11-22T09:00:00.000Z', status: 'failed' });

describe('an append to the index', () => {
  it('that went to a file the policy replaced meanwhile is written again to the new one', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, INDEX_FILE), '');
    hooks.afterWrite = (count) => {
      if (count === 0) compact(dir, formatGoneLine('job-kept0000'));
    };
    appendToIndex(dir, line);
    expect(readFileSync(join(dir, INDEX_FILE), 'utf8')).toBe(formatGoneLine('job-kept0000') + line);
    expect(readdirSync(dir)).toEqual([INDEX_FILE]);
  });

  it('to an index replaced at every try is given up after three', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, INDEX_FILE), '');
    hooks.afterWrite = (count) => {
      if (count < 3) compact(dir, `- job-new${count}0000\n`);
    };
    appendToIndex(dir, line);
    expect(writes).toBe(3);
    expect(readFileSync(join(dir, INDEX_FILE), 'utf8')).toBe('- job-new20000\n');
  });
});
