// Requests to jobs from another process (`jobline cancel`, `approve`, `retry`): each jobline that
// runs jobs has one inbox, an append-only file `.inbox/<host>-<pid>-<start>` in the jobs folder,
// which it reads a few times a second (one stat, whatever the number of its jobs) and carries out
// with its own manager: only the owner changes a job it runs. A request is addressed by the
// owner's identity (pid, host and start time), so one left for an owner that died is never
// acted on by a later process that reuses its pid.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { JobOwner } from '../jobs/model/job.js';
import { JOB_ID_PATTERN } from '../jobs/model/job-id.js';

/** Folder of the inboxes, in the jobs folder. */
export const INBOX_DIR = '.inbox';

/** Longest request line read (bytes): feedback for a retry is text a person typed. */
const MAX_REQUEST_BYTES = 64 * 1024;
// Most read at once; the rest waits for the next read.
const MAX_READ_BYTES = 16 * MAX_REQUEST_BYTES;

// Built at the first read of an inbox, not at startup (see docs/PERFORMANCE.md, startup).
function buildRequestSchema() {
  const ownerSchema = z.strictObject({ pid: z.number().int().positive(), hostname: z.string().max(255), processStartedAt: z.string().max(64) });
  const base = { jobId: z.string().regex(JOB_ID_PATTERN), to: ownerSchema, at: z.string().max(64) };
  const requestSchema = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('cancel'), ...base }),
    z.strictObject({ type: z.literal('approve'), ...base }),
    z.strictObject({ type: z.literal('retry'), feedback: z.string().max(MAX_REQUEST_BYTES).nullable(), keep: z.boolean().optional(), ...base }),
  ]);
  return requestSchema;
}

let builtRequestSchema: ReturnType<typeof buildRequestSchema> | undefined;

/** One request: what to do to which job, the owner it is for (as job.json named it), and when it was made (ISO-8601). */
export type JobRequest = z.infer<ReturnType<typeof buildRequestSchema>>;

/** The inbox of `owner` in the jobs folder `jobsDir`. */
export function inboxPathOf(jobsDir: string, owner: JobOwner): string {
  // Names stay plain file names whatever a (hostile) job file says the owner's host is.
  const host = owner.hostname.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64);
  return join(jobsDir, INBOX_DIR, `${host}-${owner.pid}-${Date.parse(owner.processStartedAt) || 0}`);
}

/**
 * Appends `request` to the inbox of its owner (`request.to`) in `jobsDir`, in one write(2) with
 * O_APPEND (requests of several processes never interleave), never through a symbolic link.
 * @throws the fs error (EACCES, ENOSPC).
 */
export function appendJobRequest(jobsDir: string, request: JobRequest): void {
  mkdirSync(join(jobsDir, INBOX_DIR), { recursive: true, mode: 0o700 });
  const fd = openSync(inboxPathOf(jobsDir, request.to), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(request)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the requests appended to the inbox at `path` since byte `offset`. Returns them (malformed
 * or oversized lines skipped: the file is not trusted) and the offset to read from next; a line
 * still being written waits for the next read.
 */
export function readJobRequests(path: string, offset: number): { requests: JobRequest[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return { requests: [], offset };
  }
  try {
    const size = fstatSync(fd).size;
    // Stryker disable next-line EqualityOperator: at size === offset the read below reads nothing and gives the same offset
    if (size <= offset) return { requests: [], offset: Math.min(offset, size) };
    // Stryker disable next-line ArithmeticOperator: a larger buffer (size + offset) still holds only what readSync reads, up to the cap
    const buffer = Buffer.alloc(Math.min(size - offset, MAX_READ_BYTES));
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    const end = buffer.subarray(0, read).lastIndexOf(0x0a) + 1;
    // A single line longer than a whole read is skipped, so the inbox can never jam.
    if (end === 0) return { requests: [], offset: read === MAX_READ_BYTES ? offset + read : offset };
    const requests: JobRequest[] = [];
    for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
      // Stryker disable next-line ConditionalExpression,StringLiteral: the empty tail after the last newline would be skipped by JSON.parse throwing all the same; this only spares the throw
      if (line === '') continue;
      if (line.length > MAX_REQUEST_BYTES) continue;
      try {
        const parsed = (builtRequestSchema ??= buildRequestSchema()).safeParse(JSON.parse(line));
        if (parsed.success) requests.push(parsed.data);
      } catch {
        // not JSON: skipped
      }
    }
    return { requests, offset: offset + end };
  } finally {
    closeSync(fd);
  }
}

/** Removes the inbox at `path` (its owner is ending). Never throws. */
export function removeInbox(path: string): void {
  rmSync(path, { force: true });
}

/** True when `request` is addressed to `owner` (the same process: pid, host and start time). */
export function isAddressedTo(request: JobRequest, owner: JobOwner): boolean {
  return request.to.pid === owner.pid && request.to.hostname === owner.hostname && request.to.processStartedAt === owner.processStartedAt;
}
