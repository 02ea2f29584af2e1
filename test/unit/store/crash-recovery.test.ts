// A log a crash left behind job.json, completed from job.json's journal: only events the journal
// vouches for (numbered at most as far as job.json says it got), and only for a writer that is gone.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeLog, isLogBehind } from '../../../src/store/crash-recovery.js';
import { appendEventLines, formatEventLines } from '../../../src/store/event-log.js';
import { serializeJob } from '../../../src/store/job-file.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

const event = (seq: number): JobEvent => ({ ts: FIXED_NOW, type: 'queued', seq });

function logAt(...seqs: number[]): string {
  const path = join(makeTempDir(), 'events.jsonl');
  appendEventLines(path, formatEventLines(seqs.map(event)));
  return path;
}

describe('completing a log from a journal that does not add up', () => {
  it('appends nothing from a journal that says no write got anywhere, whatever events it holds', () => {
    const path = logAt(1);
    const before = readFileSync(path, 'utf8');
    completeLog(path, serializeJob(makeJob({ eventSeq: 0 }), [event(2)]));
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('appends nothing to a log as far as job.json says it got, not even events numbered beyond that', () => {
    const path = logAt(1, 2, 3);
    const before = readFileSync(path, 'utf8');
    completeLog(path, serializeJob(makeJob({ eventSeq: 3 }), [event(3), event(4)]));
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('a log behind its job.json', () => {
  it('is never one of a job whose job.json says no write got anywhere, whatever its log says', () => {
    const path = join(makeTempDir(), 'events.jsonl');
    writeFileSync(path, `${JSON.stringify({ ...event(1), seq: -1 })}\n`);
    const goneOwner = { pid: process.pid, hostname: makeJob().owner.hostname, processStartedAt: '2001-01-01T00:00:00.000Z' };
    expect(isLogBehind(makeJob({ eventSeq: 0, owner: goneOwner }), path)).toBe(false);
    expect(isLogBehind(makeJob({ eventSeq: 1, owner: goneOwner }), path)).toBe(true);
  });
});
