// Write threads: a write lands the same whether its thread is still booting (done on the caller's
// thread) or up (done in the thread), and a failed write is reported without stopping later ones.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteThreads } from '../../../src/store/write-threads.js';
import { makeTempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

function writeTo(dir: string, text: string) {
  return { jobPath: join(dir, 'job.json'), jobText: text, eventsPath: join(dir, 'events.jsonl'), eventsText: `${text}\n`, isRenameDurable: true, indexDir: dir, indexLines: '' };
}

describe('WriteThreads', () => {
  let threads: WriteThreads | null = null;
  afterEach(async () => {
    await threads?.close();
    threads = null;
  });

  it('writes job.json and appends events before and after its thread is up', async () => {
    threads = new WriteThreads(1);
    const dir = makeTempDir();
    await threads.write('job-a', writeTo(dir, 'first'));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('first');
    await waitFor(() => threads!.isThreadReady('job-a'), 'the write thread to be up');
    await threads.write('job-a', writeTo(dir, 'second'));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('second');
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('first\nsecond\n');
  });

  it('rejects a write that fails, naming the cause, and goes on with the next', async () => {
    threads = new WriteThreads(1);
    const dir = makeTempDir();
    await threads.write('job-a', writeTo(dir, 'boot'));
    await waitFor(() => threads!.isThreadReady('job-a'), 'the write thread to be up');
    const missing = join(dir, 'gone');
    await expect(threads.write('job-a', writeTo(missing, 'lost'))).rejects.toThrow(/ENOENT: no such file or directory/);
    expect(existsSync(missing)).toBe(false);
    mkdirSync(missing);
    await threads.write('job-a', writeTo(missing, 'kept'));
    expect(readFileSync(join(missing, 'job.json'), 'utf8')).toBe('kept');
  });
});
