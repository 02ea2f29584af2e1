// One write as a write thread performs it (performWrite, on this thread: the threads themselves run
// only compiled code, see write-threads.test.ts): job.json refused when older than the one on disk
// (read by its eventSeq), the journal's own writes never checked that way, the folder fsynced when
// asked, the manifest best effort, and events whose append failed carried to the next write.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getFsyncCount } from '../../../src/store/atomic-write.js';
import { performWrite, STALE_WRITE_CODE, type WriteRequested } from '../../../src/store/write-threads.js';
import { makeTempDir } from '../../helpers/temp.js';

function writeIn(dir: string, overrides: Partial<WriteRequested> = {}): Omit<WriteRequested, 'seq'> {
  return { jobPath: join(dir, 'job.json'), jobText: '{"eventSeq": 5}\n', eventsPath: join(dir, 'events.jsonl'), eventsText: '', isRenameDurable: false, indexDir: dir, indexLines: '', ...overrides };
}

describe('performWrite', () => {
  it('refuses a job.json older than the one on disk, whatever the number of digits; an equal or newer one, or a file that says none, is written', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'job.json'), '{\n  "eventSeq": 12\n}\n');
    expect(() => performWrite(writeIn(dir, { eventSeq: 5, jobText: 'older' }))).toThrow(expect.objectContaining({ code: STALE_WRITE_CODE, message: 'a newer state (event 12) is on disk than this write\'s (event 5): another writer changed the job' }));
    expect(STALE_WRITE_CODE).toBe('JOB_STALE');
    performWrite(writeIn(dir, { eventSeq: 12, jobText: 'same' }));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('same');
    writeFileSync(join(dir, 'job.json'), '{"id": "an old file without a seq"}');
    performWrite(writeIn(dir, { eventSeq: 1, jobText: 'newer' }));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('newer');
  });

  it('does not check a journal-only write against job.json (it leaves job.json alone)', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'job.json'), '{\n  "eventSeq": 9\n}\n');
    performWrite(writeIn(dir, { eventSeq: 3, isJournalOnly: true, jobText: '', tasks: { path: join(dir, 'tasks.jsonl'), text: '{"kind":"group"}\n' } }));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('{\n  "eventSeq": 9\n}\n');
    expect(readFileSync(join(dir, 'tasks.jsonl'), 'utf8')).toBe('{"kind":"group"}\n');
  });

  it('fsyncs the folder only when the rename must be durable', () => {
    const dir = makeTempDir();
    let before = getFsyncCount();
    performWrite(writeIn(dir, { isRenameDurable: true }));
    const durable = getFsyncCount() - before;
    before = getFsyncCount();
    performWrite(writeIn(dir, { isRenameDurable: false }));
    expect(getFsyncCount() - before).toBe(durable - 1);
  });

  it('writes the manifest without fsyncing its folder (derived data), whatever job.json asks', () => {
    const dir = makeTempDir();
    let before = getFsyncCount();
    performWrite(writeIn(dir, { isRenameDurable: true }));
    const without = getFsyncCount() - before;
    before = getFsyncCount();
    performWrite(writeIn(dir, { isRenameDurable: true, manifest: { path: join(dir, 'job_manifest.json'), text: '{"id":"m"}\n' } }));
    // The manifest's own file is fsynced; its folder is not.
    expect(getFsyncCount() - before).toBe(without + 1);
  });

  it('writes the manifest after job.json, and a manifest that cannot be written fails nothing', () => {
    const dir = makeTempDir();
    performWrite(writeIn(dir, { manifest: { path: join(dir, 'job_manifest.json'), text: '{"id":"m"}\n' } }));
    expect(readFileSync(join(dir, 'job_manifest.json'), 'utf8')).toBe('{"id":"m"}\n');
    performWrite(writeIn(dir, { jobText: 'still written', manifest: { path: join(dir, 'gone', 'job_manifest.json'), text: 'x' } }));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('still written');
  });

  it('keeps events whose append failed, and appends them first with the next write to that log', () => {
    const dir = makeTempDir();
    const eventsPath = join(dir, 'events.jsonl');
    mkdirSync(eventsPath); // cannot be appended to
    performWrite(writeIn(dir, { eventsPath, eventsText: 'first\n' }));
    expect(readFileSync(join(dir, 'job.json'), 'utf8')).toBe('{"eventSeq": 5}\n');
    rmSync(eventsPath, { recursive: true });
    performWrite(writeIn(dir, { eventsPath, eventsText: 'second\n' }));
    expect(readFileSync(eventsPath, 'utf8')).toBe('first\nsecond\n');
    performWrite(writeIn(dir, { eventsPath, eventsText: 'third\n' }));
    expect(readFileSync(eventsPath, 'utf8')).toBe('first\nsecond\nthird\n');
    // A write without events to a log that cannot take them keeps nothing.
    const other = join(dir, 'other.jsonl');
    mkdirSync(other);
    performWrite(writeIn(dir, { eventsPath: other, eventsText: '' }));
    rmSync(other, { recursive: true });
    performWrite(writeIn(dir, { eventsPath: other, eventsText: 'only\n' }));
    expect(readFileSync(other, 'utf8')).toBe('only\n');
    expect(existsSync(join(dir, 'tasks.jsonl'))).toBe(false);
  });
});
