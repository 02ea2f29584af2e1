// A job's append-only files as a reader finds them: events.jsonl (a torn last line skipped, never
// swallowing the next append; how far it got), output.log (its tail, one run's section, followed
// across cuts and split characters), the ended-jobs index (a set of lines, compacted without losing
// appends), a log a crash left one write behind job.json (completed from its journal), and
// durable whole-file replacement.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adoptFsyncCounter, countFsync, getFsyncCount, getFsyncCounterBuffer, writeFileAtomicSync } from '../../../src/store/atomic-write.js';
import { completeLog, isLogBehind } from '../../../src/store/crash-recovery.js';
import { appendEventLines, appendLogLines, DurableAppender, formatEventLines, readEvents, readLastSeq, truncateLog } from '../../../src/store/event-log.js';
import { appendToIndex, compactIndex, formatEndedLine, formatGoneLine, INDEX_FILE, readIndex, rewriteIndex, type IndexEntry } from '../../../src/store/ended-index.js';
import { followLog, LOG_TAIL_BYTES, LogFollower, readLogSection, readLogTail, sizeOfLog } from '../../../src/store/output-log.js';
import { serializeJob } from '../../../src/store/job-file.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const event = (seq: number, type = 'note'): JobEvent => ({ ts: FIXED_NOW, type, seq }) as JobEvent;

describe('events.jsonl', () => {
  it('is one JSON object a line; a torn last line and lines that are not events are skipped and counted', async () => {
    const path = join(makeTempDir(), 'events.jsonl');
    expect(await readEvents(path)).toEqual({ events: [], skippedLines: 0 });
    expect(formatEventLines([event(1), event(2)])).toBe(`${JSON.stringify(event(1))}\n${JSON.stringify(event(2))}\n`);
    expect(formatEventLines([])).toBe('');
    appendEventLines(path, formatEventLines([event(1)]));
    appendFileSync(path, '\n{"ts":"x"}\n{"type":"y"}\n[1]\nnull\n{"type":"created","ts":');
    expect(await readEvents(path)).toEqual({ events: [event(1)], skippedLines: 5 });
    // The next append terminates the torn line first: it cannot swallow the new one.
    appendEventLines(path, formatEventLines([event(2)]));
    expect(await readEvents(path)).toEqual({ events: [event(1), event(2)], skippedLines: 5 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const folder = join(makeTempDir(), 'folder');
    mkdirSync(folder);
    await expect(readEvents(folder)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('appends in one write, returns the size before it, and never through a symbolic link', () => {
    const dir = makeTempDir();
    const path = join(dir, 'tasks.jsonl');
    expect(appendLogLines(path, '', true)).toBe(-1);
    expect(existsSync(path)).toBe(false);
    const fsyncs = getFsyncCount();
    expect(appendLogLines(path, 'a\n', true)).toBe(0);
    expect(getFsyncCount()).toBe(fsyncs + 1);
    expect(appendLogLines(path, 'b\n', false)).toBe(2);
    expect(getFsyncCount()).toBe(fsyncs + 1);
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
    // A taken-back append: cut to the size before it.
    const before = appendLogLines(path, 'c\nd\n', false);
    truncateLog(path, before);
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
    truncateLog(path, -1);
    truncateLog(join(dir, 'missing'), 0);
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
    const link = join(dir, 'link.jsonl');
    symlinkSync(path, link);
    expect(() => appendLogLines(link, 'x\n', false)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    truncateLog(link, 0);
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
  });

  it('tells how far it got: the seq of its last complete line, 0 when empty or missing, null when that line has none', () => {
    const dir = makeTempDir();
    const path = join(dir, 'events.jsonl');
    expect(readLastSeq(path)).toBe(0);
    writeFileSync(path, '');
    expect(readLastSeq(path)).toBe(0);
    writeFileSync(path, formatEventLines([event(1), event(2)]));
    expect(readLastSeq(path)).toBe(2);
    appendFileSync(path, '{"ts":"x","type":"torn","seq":3');
    expect(readLastSeq(path)).toBe(2);
    appendFileSync(path, '\n');
    expect(readLastSeq(path)).toBe(2);
    writeFileSync(path, `${JSON.stringify({ ts: FIXED_NOW, type: 'old' })}\n`);
    expect(readLastSeq(path)).toBeNull();
    writeFileSync(path, 'garbage\nmore garbage\n');
    expect(readLastSeq(path)).toBeNull();
    // A long log: only its end is read, and the first, cut line of that window is not taken for one.
    writeFileSync(path, formatEventLines(Array.from({ length: 500 }, (_, i) => ({ ...event(i + 1), text: 'x'.repeat(100) }) as JobEvent)));
    expect(readLastSeq(path)).toBe(500);
    const link = join(dir, 'link');
    symlinkSync(path, link);
    expect(() => readLastSeq(link)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });

  it('DurableAppender appends after a newline of its own, flushed, and keeps the file open while busy', async () => {
    const path = join(makeTempDir(), 'tasks.jsonl');
    writeFileSync(path, 'torn');
    const appender = new DurableAppender(5);
    const fsyncs = getFsyncCount();
    await appender.append(path, 'a\n');
    await Promise.all([appender.append(path, 'b\n'), appender.append(path, 'c\n')]);
    expect(getFsyncCount()).toBe(fsyncs + 3);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['a', 'b', 'c', 'torn']);
    expect(readFileSync(path, 'utf8').startsWith('torn\na\n')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await appender.append(path, 'd\n');
    expect(readFileSync(path, 'utf8').endsWith('\nd\n')).toBe(true);
    const link = join(makeTempDir(), 'link');
    symlinkSync(path, link);
    await expect(appender.append(link, 'x\n')).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(appender.append(link, 'x\n')).rejects.toMatchObject({ code: 'ELOOP' });
  });
});

describe('a log a crash left one write behind job.json', () => {
  it('is completed from job.json\'s journal, only with the events it misses', () => {
    const dir = makeTempDir();
    const path = join(dir, 'events.jsonl');
    appendEventLines(path, formatEventLines([event(1), event(2)]));
    const text = serializeJob(makeJob({ eventSeq: 4 }), [event(3), event(4)]);
    completeLog(path, text);
    expect(readFileSync(path, 'utf8')).toBe(formatEventLines([event(1), event(2), event(3), event(4)]));
    completeLog(path, text);
    expect(readFileSync(path, 'utf8')).toBe(formatEventLines([event(1), event(2), event(3), event(4)]));
    // A journal that overlaps what the log has: only what is missing.
    const partial = join(dir, 'partial.jsonl');
    appendEventLines(partial, formatEventLines([event(1), event(2), event(3)]));
    completeLog(partial, serializeJob(makeJob({ eventSeq: 4 }), [event(3), event(4)]));
    expect(readFileSync(partial, 'utf8')).toBe(formatEventLines([event(1), event(2), event(3), event(4)]));
    // Nothing to go on: no journal, a log without seqs, a log ahead, broken text.
    const other = join(dir, 'other.jsonl');
    appendEventLines(other, formatEventLines([{ ts: FIXED_NOW, type: 'old' } as unknown as JobEvent]));
    completeLog(other, text);
    completeLog(other, serializeJob(makeJob({ eventSeq: 0 }), [event(1)]));
    completeLog(other, 'not json');
    expect(readFileSync(other, 'utf8')).toBe(formatEventLines([{ ts: FIXED_NOW, type: 'old' } as unknown as JobEvent]));
  });

  it('is behind only when its seq is below job.json\'s and its writer is gone', () => {
    const dir = makeTempDir();
    const path = join(dir, 'events.jsonl');
    appendEventLines(path, formatEventLines([event(1)]));
    const goneOwner = { pid: process.pid, hostname: makeJob().owner.hostname, processStartedAt: '2001-01-01T00:00:00.000Z' };
    expect(isLogBehind(makeJob({ eventSeq: 2, owner: goneOwner }), path)).toBe(true);
    expect(isLogBehind(makeJob({ eventSeq: 1, owner: goneOwner }), path)).toBe(false);
    expect(isLogBehind(makeJob({ eventSeq: 0, owner: goneOwner }), path)).toBe(false);
    // This process is writing it, or another machine's process (which cannot be checked): not behind.
    expect(isLogBehind(makeJob({ eventSeq: 2 }), path)).toBe(false);
    expect(isLogBehind(makeJob({ eventSeq: 2, owner: { ...goneOwner, hostname: 'elsewhere' } }), path)).toBe(false);
    writeFileSync(path, `${JSON.stringify({ ts: FIXED_NOW, type: 'old' })}\n`);
    expect(isLogBehind(makeJob({ eventSeq: 2, owner: goneOwner }), path)).toBe(false);
    mkdirSync(join(dir, 'folder'));
    expect(isLogBehind(makeJob({ eventSeq: 2, owner: goneOwner }), join(dir, 'folder'))).toBe(false);
    expect(isLogBehind(makeJob({ eventSeq: 2, owner: goneOwner }), join(dir, 'missing'))).toBe(true);
  });
});

describe('output.log', () => {
  it('tail: the last lines within the last bytes, a missing file empty, a cut first line dropped', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'output.log');
    expect(await readLogTail(path, 10)).toEqual({ lines: [], hasEarlier: false, size: 0 });
    expect(await sizeOfLog(path)).toBeNull();
    writeFileSync(path, 'one\ntwo\nthree\n');
    expect(await readLogTail(path, 10)).toEqual({ lines: ['one', 'two', 'three'], hasEarlier: false, size: 14 });
    expect(await readLogTail(path, 2)).toEqual({ lines: ['two', 'three'], hasEarlier: true, size: 14 });
    expect(await readLogTail(path, 3)).toEqual({ lines: ['one', 'two', 'three'], hasEarlier: false, size: 14 });
    expect(await readLogTail(path, 10, 9)).toEqual({ lines: ['three'], hasEarlier: true, size: 14 });
    writeFileSync(path, 'one\nunterminated');
    expect((await readLogTail(path, 10)).lines).toEqual(['one', 'unterminated']);
    expect(LOG_TAIL_BYTES).toBe(64 * 1024);
  });

  it('section: the lines of the last section of a run, up to the next header', async () => {
    const path = join(makeTempDir(), 'output.log');
    expect(await readLogSection(path, 'phase 1/2 plan · attempt 1', 10)).toEqual({ lines: [], hasEarlier: false, size: 0 });
    const header = (section: string): string => `── ${section} · 2026-11-22 10:00:00 UTC ──`;
    const text = [header('phase 1/2 plan · attempt 1'), 'old 1', header('phase 2/2 apply · attempt 1'), 'apply 1', header('phase 1/2 plan · attempt 1'), 'new 1', 'new 2', header('phase 2/2 apply · attempt 2'), 'apply 2', ''].join('\n');
    writeFileSync(path, text);
    const size = Buffer.byteLength(text);
    expect(await readLogSection(path, 'phase 1/2 plan · attempt 1', 10)).toEqual({ lines: [header('phase 1/2 plan · attempt 1'), 'new 1', 'new 2'], hasEarlier: false, size });
    expect(await readLogSection(path, 'phase 1/2 plan · attempt 1', 2)).toEqual({ lines: ['new 1', 'new 2'], hasEarlier: true, size });
    expect(await readLogSection(path, 'phase 2/2 apply · attempt 2', 10)).toEqual({ lines: [header('phase 2/2 apply · attempt 2'), 'apply 2'], hasEarlier: false, size });
    expect(await readLogSection(path, 'phase 9/9 none · attempt 1', 10)).toEqual({ lines: [], hasEarlier: false, size });
    // The section opening the file is found too.
    writeFileSync(path, `${header('phase 1/1 run · attempt 1')}\nonly\n`);
    expect((await readLogSection(path, 'phase 1/1 run · attempt 1', 10)).lines).toEqual([header('phase 1/1 run · attempt 1'), 'only']);
  });

  it('followed: each complete line once, a split character whole, from the top again after a cut, the rest on drain', async () => {
    const path = join(makeTempDir(), 'output.log');
    const follower = new LogFollower(path);
    expect(await follower.read()).toEqual([]);
    writeFileSync(path, 'a\nb');
    expect(await follower.read()).toEqual(['a']);
    expect(await follower.read()).toEqual([]);
    const euro = Buffer.from('€\n');
    appendFileSync(path, Buffer.concat([Buffer.from('c\n'), euro.subarray(0, 1)]));
    expect(await follower.read()).toEqual(['bc']);
    appendFileSync(path, euro.subarray(1));
    expect(await follower.read()).toEqual(['€']);
    // Cut (smaller than what was read): from the top of the new file.
    writeFileSync(path, 'cut\nx');
    expect(await follower.read()).toEqual(['cut']);
    expect(await follower.drain()).toEqual(['x']);
    expect(await follower.drain()).toEqual([]);
    // A follower from an offset reads what comes after it; a large file in several reads.
    writeFileSync(path, `${'y'.repeat(LOG_TAIL_BYTES + 10)}\nlast\n`);
    const later = new LogFollower(path, LOG_TAIL_BYTES + 11);
    expect(await later.read()).toEqual(['last']);
    const whole = new LogFollower(path);
    expect(await whole.read()).toEqual([]);
    expect(await whole.drain()).toEqual(['y'.repeat(LOG_TAIL_BYTES + 10), 'last']);
  });

  it('followLog hands on lines until the writer ends (then the rest), or until aborted', async () => {
    const path = join(makeTempDir(), 'output.log');
    writeFileSync(path, 'first\n');
    const got: string[][] = [];
    let isEnded = false;
    const done = followLog(path, { onLines: (lines) => {
      got.push(lines);
      if (lines.includes('first')) {
        appendFileSync(path, 'second\nrest');
        isEnded = true;
      }
    }, isEnded: () => isEnded, pollMs: 1 });
    expect(await done).toBe(true);
    expect(got).toEqual([['first'], ['second'], ['rest']]);
    writeFileSync(path, 'x\n');
    expect(await followLog(path, { offset: 2, onLines: () => got.push(['never']), isEnded: () => true, pollMs: 1 })).toBe(true);
    expect(got).toHaveLength(3);
    // Aborted while it reads (Ctrl+C): it ends then, not after its next poll.
    const controller = new AbortController();
    const aborted = followLog(path, { offset: 2, onLines: () => {}, isEnded: () => {
      controller.abort();
      return false;
    }, signal: controller.signal, pollMs: 60_000 });
    expect(await aborted).toBe(false);
    // Aborted while it waits for more.
    const waiting = new AbortController();
    const waited = followLog(path, { offset: 2, onLines: () => {}, isEnded: () => false, signal: waiting.signal, pollMs: 60_000 });
    setTimeout(() => waiting.abort(), 10);
    expect(await waited).toBe(false);
    expect(await followLog(path, { onLines: () => {}, isEnded: () => false, signal: controller.signal })).toBe(false);
  });
});

describe('the ended-jobs index', () => {
  const entry = (id: string, kind: IndexEntry['kind'], status: IndexEntry['status'] = kind === 'completed' ? 'completed' : 'failed'): IndexEntry => ({ id, kind, endedAt: '2026-11-22T11:00:00.000Z', createdAt: FIXED_NOW, status });

  it('has a line per change: u and c for ended jobs (with their status), - for a job no longer ended', () => {
    expect(formatEndedLine(entry('job-a', 'unfinished'))).toBe(`u job-a 2026-11-22T11:00:00.000Z ${FIXED_NOW} failed\n`);
    expect(formatEndedLine(entry('job-b', 'completed'))).toBe(`c job-b 2026-11-22T11:00:00.000Z ${FIXED_NOW} completed\n`);
    expect(formatEndedLine(entry('job-c', 'unfinished', null))).toBe(`u job-c 2026-11-22T11:00:00.000Z ${FIXED_NOW}\n`);
    expect(formatGoneLine('job-a')).toBe('- job-a\n');
  });

  it('is read as the set its lines leave, skipping malformed ones; none is null (the policy rebuilds it)', () => {
    const dir = makeTempDir();
    expect(readIndex(dir)).toBeNull();
    appendToIndex(dir, formatEndedLine(entry('job-a', 'unfinished')));
    expect(existsSync(join(dir, INDEX_FILE))).toBe(false);
    rewriteIndex(dir, [entry('job-a', 'unfinished'), entry('job-b', 'completed')]);
    expect(statSync(join(dir, INDEX_FILE)).mode & 0o777).toBe(0o600);
    appendToIndex(dir, `${formatGoneLine('job-a')}x job-z 1 2\nu job-y\nu job-x e\n-\n\nu job-w e c weird\n${formatEndedLine(entry('job-b', 'unfinished', 'cancelled'))}`);
    appendToIndex(dir, '');
    const read = readIndex(dir)!;
    expect([...read.entries.values()]).toEqual([entry('job-b', 'unfinished', 'cancelled'), { id: 'job-w', kind: 'unfinished', endedAt: 'e', createdAt: 'c', status: null }]);
    expect(read.lineCount).toBe(9);
    expect(read.byteLength).toBe(readFileSync(join(dir, INDEX_FILE)).length);
    expect(readdirSync(dir)).toEqual([INDEX_FILE]);
  });

  it('compacted, keeps the lines other processes appended since it was read', () => {
    const dir = makeTempDir();
    rewriteIndex(dir, [entry('job-a', 'unfinished'), entry('job-b', 'completed')]);
    const read = readIndex(dir)!;
    appendToIndex(dir, formatEndedLine(entry('job-c', 'completed')));
    compactIndex(dir, [read.entries.get('job-b')!], read.byteLength);
    expect(readFileSync(join(dir, INDEX_FILE), 'utf8')).toBe(formatEndedLine(entry('job-b', 'completed')) + formatEndedLine(entry('job-c', 'completed')));
    const again = readIndex(dir)!;
    compactIndex(dir, again.entries.values(), again.byteLength);
    expect(readIndex(dir)!.lineCount).toBe(2);
    compactIndex(makeTempDir(), [entry('job-x', 'completed')], 0);
  });
});

describe('writeFileAtomicSync', () => {
  it('replaces a file whole, mode 0600, fsynced, leaving no temp file', () => {
    const dir = makeTempDir();
    const path = join(dir, 'job.json');
    const fsyncs = getFsyncCount();
    writeFileAtomicSync(path, 'first');
    expect(getFsyncCount()).toBe(fsyncs + 2);
    writeFileAtomicSync(path, 'second é', { isRenameDurable: false });
    expect(getFsyncCount()).toBe(fsyncs + 3);
    expect(readFileSync(path, 'utf8')).toBe('second é');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['job.json']);
  });

  it('fails naming the cause and leaves the old file and no temp file behind', () => {
    const dir = makeTempDir();
    const path = join(dir, 'target');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'x');
    expect(() => writeFileAtomicSync(path, 'data')).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) }));
    expect(readdirSync(dir)).toEqual(['target']);
    expect(() => writeFileAtomicSync(join(dir, 'missing', 'file'), 'data')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const file = join(dir, 'file');
    writeFileSync(file, 'old');
    truncateSync(file, 3);
    expect(readFileSync(file, 'utf8')).toBe('old');
  });
});

describe('the logs\' small print', () => {
  it('events are appended without an fsync (job.json is the durable truth); a journal append is fsynced', () => {
    const dir = makeTempDir();
    const before = getFsyncCount();
    appendEventLines(join(dir, 'events.jsonl'), formatEventLines([event(1)]));
    expect(getFsyncCount()).toBe(before);
    appendLogLines(join(dir, 'tasks.jsonl'), 'x\n', true);
    expect(getFsyncCount()).toBe(before + 1);
  });

  it('a log is cut back to the size asked, down to empty; a negative size (nothing appended) cuts nothing', () => {
    const path = join(makeTempDir(), 'tasks.jsonl');
    writeFileSync(path, 'abc\n');
    truncateLog(path, -1);
    expect(readFileSync(path, 'utf8')).toBe('abc\n');
    truncateLog(path, 0);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('blank lines of events.jsonl are not counted as skipped', async () => {
    const path = join(makeTempDir(), 'events.jsonl');
    writeFileSync(path, `   \n${formatEventLines([event(1)])}\t\n`);
    expect(await readEvents(path)).toEqual({ events: [event(1)], skippedLines: 0 });
  });

  it('DurableAppender closes a log once idle, and opens again one whose opening failed', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'tasks.jsonl');
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    const appender = new DurableAppender(10);
    await appender.append(path, 'a\n');
    await appender.append(path, 'b\n');
    expect(open()).toBe(before + 1); // one handle, kept while busy
    for (let i = 0; i < 200 && open() > before; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(open()).toBe(before);
    const link = join(dir, 'link.jsonl');
    symlinkSync(path, link);
    await expect(appender.append(link, 'x\n')).rejects.toMatchObject({ code: 'ELOOP' });
    rmSync(link);
    await appender.append(link, 'y\n');
    expect(readFileSync(link, 'utf8')).toBe('\ny\n');
  });

  it('the index reads a last line without its newline, and ignores lines it does not know', () => {
    const dir = makeTempDir();
    const entry: IndexEntry = { id: 'job-aaaaaaaa', kind: 'unfinished', endedAt: FIXED_NOW, createdAt: FIXED_NOW, status: 'failed' };
    writeFileSync(join(dir, INDEX_FILE), `${formatEndedLine(entry)}z job-aaaaaaaa\n${formatEndedLine({ ...entry, id: 'job-bbbbbbbb' }).trimEnd()}`);
    const index = readIndex(dir)!;
    expect([...index.entries.keys()]).toEqual(['job-aaaaaaaa', 'job-bbbbbbbb']);
    expect(index.lineCount).toBe(3);
  });
});

describe('the fsync counter', () => {
  it('is memory a thread can share: a thread that adopts it counts into it', () => {
    const mine = getFsyncCounterBuffer();
    const before = getFsyncCount();
    const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    adoptFsyncCounter(shared);
    try {
      countFsync();
      countFsync();
      expect(new Int32Array(shared)[0]).toBe(2);
      expect(getFsyncCounterBuffer()).toBe(shared);
    } finally {
      adoptFsyncCounter(mine);
    }
    expect(getFsyncCount()).toBe(before);
  });
});

