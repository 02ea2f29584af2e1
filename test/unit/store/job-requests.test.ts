// Request inboxes: appended whole by any process, read by their owner from a position, hostile
// lines skipped, and the inbox of an owner killed outright swept by /clean.
import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INBOX_DIR, appendJobRequest, inboxPathOf, isAddressedTo, readJobRequests, removeInbox, type JobRequest } from '../../../src/store/job-requests.js';
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

describe('reading an inbox', () => {
  const owner = getCurrentOwner();
  const at = '2026-12-01T10:00:00.000Z';
  const line = (request: unknown): string => `${JSON.stringify(request)}\n`;

  it('gives every kind of request back as appended, and the position after the last whole line', () => {
    const jobsDir = makeTempDir();
    const cancel: JobRequest = { type: 'cancel', jobId: 'job-abcd1234', to: owner, at };
    const retry: JobRequest = { type: 'retry', feedback: 'use the other API', keep: true, jobId: 'job-abcd1234', to: owner, at };
    const plainRetry: JobRequest = { type: 'retry', feedback: null, jobId: 'job-abcd1234', to: owner, at };
    for (const request of [cancel, retry, plainRetry]) appendJobRequest(jobsDir, request);
    const path = inboxPathOf(jobsDir, owner);
    const size = statSync(path).size;
    expect(readJobRequests(path, 0)).toEqual({ requests: [cancel, retry, plainRetry], offset: size });
    // Read again from there: nothing new, the same position.
    expect(readJobRequests(path, size)).toEqual({ requests: [], offset: size });
    // From the middle: the rest.
    expect(readJobRequests(path, line(cancel).length)).toEqual({ requests: [retry, plainRetry], offset: size });
  });

  it('of no inbox is nothing, from where it was; an inbox cut shorter is read from its end', () => {
    const jobsDir = makeTempDir();
    expect(readJobRequests(join(jobsDir, INBOX_DIR, 'none'), 7)).toEqual({ requests: [], offset: 7 });
    const path = join(jobsDir, 'inbox');
    writeFileSync(path, 'x\n');
    expect(readJobRequests(path, 100)).toEqual({ requests: [], offset: 2 });
  });

  it('skips a request line over 64 KiB, though each of its fields is within bounds; one of 64 KiB is read', () => {
    const path = join(makeTempDir(), 'inbox');
    const base = { type: 'retry', jobId: 'job-abcd1234', to: owner, at };
    const overhead = line({ ...base, feedback: '' }).length - 1; // the line without its newline and feedback
    const fits = { ...base, feedback: 'f'.repeat(64 * 1024 - overhead) };
    const over = { ...base, feedback: 'f'.repeat(64 * 1024 - overhead + 1) };
    expect(line(fits).length - 1).toBe(64 * 1024);
    writeFileSync(path, line(over) + line(fits));
    const read = readJobRequests(path, 0);
    expect(read.requests).toEqual([fits]);
    expect(read.offset).toBe(line(over).length + line(fits).length);
  });

  it('reads at most 1 MiB at once, up to its last whole line; the rest comes with the next read', () => {
    const path = join(makeTempDir(), 'inbox');
    const request: JobRequest = { type: 'retry', feedback: 'g'.repeat(60_000), jobId: 'job-abcd1234', to: owner, at };
    writeFileSync(path, line(request).repeat(20)); // about 1.2 MB
    const first = readJobRequests(path, 0);
    const perRead = Math.floor((16 * 64 * 1024) / line(request).length);
    expect(first).toEqual({ requests: Array(perRead).fill(request), offset: perRead * line(request).length });
    const second = readJobRequests(path, first.offset);
    expect(second.requests).toHaveLength(20 - perRead);
    expect(second.offset).toBe(statSync(path).size);
  });

  it('gets past a single line longer than a whole read, so the inbox never jams', () => {
    const path = join(makeTempDir(), 'inbox');
    const request: JobRequest = { type: 'cancel', jobId: 'job-abcd1234', to: owner, at };
    writeFileSync(path, 'x'.repeat(16 * 64 * 1024 + 10) + '\n' + line(request));
    const first = readJobRequests(path, 0);
    expect(first).toEqual({ requests: [], offset: 16 * 64 * 1024 });
    expect(readJobRequests(path, first.offset)).toEqual({ requests: [request], offset: statSync(path).size });
  });

  it('keeps no file open, however it ends', () => {
    const jobsDir = makeTempDir();
    const request: JobRequest = { type: 'cancel', jobId: 'job-abcd1234', to: owner, at };
    const path = inboxPathOf(jobsDir, owner);
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      appendJobRequest(jobsDir, request);
      readJobRequests(path, 0);
      readJobRequests(path, 1e9);
    }
    expect(open()).toBe(before);
    expect(readJobRequests(path, 0).requests).toHaveLength(20);
  });
});

describe('an inbox', () => {
  it('is a plain file name whatever the owner\'s host says, at most 64 characters of it', () => {
    const jobsDir = makeTempDir();
    const owner = { pid: 42, hostname: 'evil/../host name', processStartedAt: '2026-12-01T10:00:00.000Z' };
    expect(inboxPathOf(jobsDir, owner)).toBe(join(jobsDir, INBOX_DIR, `evil_.._host_name-42-${Date.parse(owner.processStartedAt)}`));
    expect(inboxPathOf(jobsDir, { ...owner, hostname: 'h'.repeat(100), processStartedAt: 'garbage' })).toBe(join(jobsDir, INBOX_DIR, `${'h'.repeat(64)}-42-0`));
    expect(inboxPathOf(jobsDir, { ...owner, hostname: 'Ab-9.x' })).toBe(join(jobsDir, INBOX_DIR, `Ab-9.x-42-${Date.parse(owner.processStartedAt)}`));
  });

  it('lives in a private folder (0700) and file (0600), and takes appends from many requests', () => {
    const jobsDir = makeTempDir();
    const owner = getCurrentOwner();
    const request: JobRequest = { type: 'approve', jobId: 'job-abcd1234', to: owner, at: '2026-12-01T10:00:00.000Z' };
    appendJobRequest(jobsDir, request);
    appendJobRequest(jobsDir, request);
    expect(statSync(join(jobsDir, INBOX_DIR)).mode & 0o777).toBe(0o700);
    expect(statSync(inboxPathOf(jobsDir, owner)).mode & 0o777).toBe(0o600);
    expect(readJobRequests(inboxPathOf(jobsDir, owner), 0).requests).toEqual([request, request]);
  });

  it('is removed when its owner ends; removing one that is gone is fine', () => {
    const jobsDir = makeTempDir();
    const owner = getCurrentOwner();
    appendJobRequest(jobsDir, { type: 'approve', jobId: 'job-abcd1234', to: owner, at: 'x' });
    const path = inboxPathOf(jobsDir, owner);
    removeInbox(path);
    expect(existsSync(path)).toBe(false);
    expect(() => removeInbox(path)).not.toThrow();
  });

  it('takes a request only for the very process it names: its pid, host and start time', () => {
    const owner = getCurrentOwner();
    const request: JobRequest = { type: 'approve', jobId: 'job-abcd1234', to: owner, at: 'x' };
    expect(isAddressedTo(request, { ...owner })).toBe(true);
    expect(isAddressedTo(request, { ...owner, pid: owner.pid + 1 })).toBe(false);
    expect(isAddressedTo(request, { ...owner, hostname: `${owner.hostname}x` })).toBe(false);
    expect(isAddressedTo(request, { ...owner, processStartedAt: '2001-01-01T00:00:00.000Z' })).toBe(false);
  });
});
