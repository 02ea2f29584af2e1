// Requests to a job from another process (`jobline cancel`, `approve`, `retry`): an append-only
// `requests.jsonl` in the job's folder, which the jobline that owns the job reads and carries
// out with its own manager. Only the owner changes a job it runs; a request is addressed to the
// owner by pid and start time, so one left for an owner that died is never acted on by the next.
import { closeSync, constants, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Job } from '../jobs/job.js';

/** File name of the requests inbox, in the job's folder. */
export const REQUESTS_FILE = 'requests.jsonl';

/** Longest request line read (bytes): feedback for a retry is text a person typed. */
const MAX_REQUEST_BYTES = 64 * 1024;

const ownerSchema = z.strictObject({ pid: z.number().int().positive(), hostname: z.string().max(255), processStartedAt: z.string().max(64) });
const requestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cancel'), to: ownerSchema, at: z.string().max(64) }),
  z.strictObject({ type: z.literal('approve'), to: ownerSchema, at: z.string().max(64) }),
  z.strictObject({ type: z.literal('retry'), feedback: z.string().max(MAX_REQUEST_BYTES).nullable(), to: ownerSchema, at: z.string().max(64) }),
]);

/** One request: what to do, the owner it is for (as job.json named it), and when it was made (ISO-8601). */
export type JobRequest = z.infer<typeof requestSchema>;

/** The path of job folder `dir`'s inbox. */
export function requestsPathOf(dir: string): string {
  return join(dir, REQUESTS_FILE);
}

/**
 * Appends `request` to the inbox in job folder `dir`, in one write(2) with O_APPEND (requests of
 * several processes never interleave), never through a symbolic link.
 * @throws the fs error (ENOENT when the job's folder is gone).
 */
export function appendJobRequest(dir: string, request: JobRequest): void {
  const fd = openSync(requestsPathOf(dir), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(request)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the requests appended to the inbox in `dir` since byte `offset`. Returns them (malformed
 * or oversized lines skipped: the file is not trusted) and the offset to read from next; a line
 * still being written waits for the next read.
 */
export function readJobRequests(dir: string, offset: number): { requests: JobRequest[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(requestsPathOf(dir), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return { requests: [], offset };
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { requests: [], offset: Math.min(offset, size) };
    const length = Math.min(size - offset, 16 * MAX_REQUEST_BYTES);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, offset);
    const text = buffer.subarray(0, read).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    // A single line longer than a whole read is skipped, so the inbox can never jam.
    if (end === 0) return { requests: [], offset: read === 16 * MAX_REQUEST_BYTES ? offset + read : offset };
    const requests: JobRequest[] = [];
    for (const line of text.slice(0, end).split('\n')) {
      if (line === '' || line.length > MAX_REQUEST_BYTES) continue;
      try {
        const parsed = requestSchema.safeParse(JSON.parse(line));
        if (parsed.success) requests.push(parsed.data);
      } catch {
        // not JSON: skipped
      }
    }
    return { requests, offset: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    closeSync(fd);
  }
}

/** True when `request` is addressed to `owner` (the same process: pid, host and start time). */
export function isAddressedTo(request: JobRequest, owner: NonNullable<Job['owner']>): boolean {
  return request.to.pid === owner.pid && request.to.hostname === owner.hostname && request.to.processStartedAt === owner.processStartedAt;
}
