// The store keeps no file open behind it: every read, append and replacement of a job's files
// closes what it opened, whatever it read (a job folder read thousands of times must not run out
// of file descriptors). Linux: the open descriptors are counted in /proc/self/fd.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from '../../../src/store/atomic-write.js';
import { readClaim, tryAcquireClaim } from '../../../src/store/claim.js';
import { appendToIndex, compactIndex, formatEndedLine, INDEX_FILE, readIndex, rewriteIndex } from '../../../src/store/ended-index.js';
import { appendLogLines, readEvents, readLastSeq, truncateLog } from '../../../src/store/event-log.js';
import { LogFollower, readLogSection, readLogTail } from '../../../src/store/output-log.js';
import { performWrite } from '../../../src/store/write-threads.js';
import { serializeJob } from '../../../src/store/job-file.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const open = (): number => readdirSync('/proc/self/fd').length;

describe('the store\'s files', () => {
  it('are closed after every read, append and replacement', async () => {
    const dir = makeTempDir();
    const log = join(dir, 'events.jsonl');
    writeFileSync(log, '{"ts":"x","type":"a","seq":1}\n');
    const output = join(dir, 'output.log');
    writeFileSync(output, '── phase 1/1 run · attempt 1 · 2026-11-22 10:00:00 UTC ──\none\ntwo\n');
    const entry = { id: 'job-aaaaaaaa', kind: 'unfinished' as const, endedAt: FIXED_NOW, createdAt: FIXED_NOW, status: 'failed' as const };
    writeFileSync(join(dir, INDEX_FILE), formatEndedLine(entry));
    mkdirSync(join(dir, 'job-aaaaaaaa'));
    const job = makeJob({ id: 'job-aaaaaaaa', eventSeq: 1 });
    const before = open();
    for (let i = 0; i < 40; i++) {
      readLastSeq(log);
      await readEvents(log);
      const size = appendLogLines(log, '{"ts":"x","type":"b","seq":2}\n', false);
      truncateLog(log, size);
      await readLogTail(output, 5);
      await readLogTail(output, 5, 10);
      await readLogSection(output, 'phase 1/1 run · attempt 1', 5);
      await new LogFollower(output).read();
      readIndex(dir);
      appendToIndex(dir, formatEndedLine(entry));
      compactIndex(dir, [entry], 0);
      rewriteIndex(dir, [entry]);
      writeFileAtomicSync(join(dir, 'file'), 'x');
      performWrite({ jobPath: join(dir, 'job-aaaaaaaa', 'job.json'), jobText: serializeJob(job), eventsPath: join(dir, 'job-aaaaaaaa', 'events.jsonl'), eventsText: '', isRenameDurable: true, eventSeq: 1, indexDir: dir, indexLines: '' });
      tryAcquireClaim(join(dir, 'claim'))!.release();
      readClaim(join(dir, 'claim'));
    }
    expect(open() - before).toBeLessThan(5);
  });
});
