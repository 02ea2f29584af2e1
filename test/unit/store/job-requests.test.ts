// Request inboxes: appended whole by any process, read by their owner from a position, hostile
// lines skipped, and the inbox of an owner killed outright swept by /clean.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INBOX_DIR, appendJobRequest, inboxPathOf, isAddressedTo, readJobRequests, type JobRequest } from '../../../src/store/job-requests.js';
import { sweepLeftovers } from '../../../src/store/leftovers.js';
import { getCurrentOwner } from '../../../src/jobs/process/owner.js';
import { deadOwner } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

describe('request inboxes', () => {
  it('are read from a position, skipping what is malformed, hostile or half-written', () => {
    const jobsDir = makeTempDir();
    const owner = getCurrentOwner();
    const approve: JobRequest = { type: 'approve', jobId: 'job-abcd1234', to: owner, at: '2026-12-01T10:00:00.000Z' };
    appendJobRequest(jobsDir, approve);
    const path = inboxPathOf(jobsDir, owner);
    appendFileSync(path, 'not json\n{"type":"rm -rf","jobId":"job-abcd1234"}\n');
    appendFileSync(path, `${JSON.stringify({ ...approve, jobId: '../../etc' })}\n`);
    const first = readJobRequests(path, 0);
    expect(first.requests).toEqual([approve]);
    appendFileSync(path, JSON.stringify({ type: 'retry', feedback: 'again', jobId: 'job-abcd1234', to: owner, at: 'x' }).slice(0, 30)); // still being written
    expect(readJobRequests(path, first.offset)).toEqual({ requests: [], offset: first.offset });
    expect(isAddressedTo(approve, owner)).toBe(true);
    expect(isAddressedTo({ ...approve, to: deadOwner() }, owner)).toBe(false);
  });

  it('of owners killed outright are swept, and a live owner\'s is kept', () => {
    const jobsDir = makeTempDir();
    mkdirSync(join(jobsDir, INBOX_DIR));
    const dead = inboxPathOf(jobsDir, deadOwner());
    const live = inboxPathOf(jobsDir, getCurrentOwner());
    writeFileSync(dead, '');
    writeFileSync(live, '');
    expect(sweepLeftovers(jobsDir).tempFiles).toEqual([dead]);
    expect([existsSync(dead), existsSync(live)]).toEqual([false, true]);
  });
});
