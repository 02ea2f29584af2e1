// Parsing and validating job.json. Files come from disk and may be torn, hand-edited or written
// by another version, so nothing is trusted until it passes the schema.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as z from 'zod';
import { StoreError, describeError } from '../errors.js';
import { JOB_NAME_PATTERN, JOB_STATUSES, MERGE_STATUSES, MAX_RETRIES, MAX_WORKERS, PHASE_STATUSES, READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, WORKER_AGENT_PATTERN, WORKER_NAME_PATTERN, type Job } from '../jobs/model/job.js';
import { JOB_ID_PATTERN } from '../jobs/model/job-id.js';
import { ANSWER_FILE_PATTERN } from '../jobs/model/answers.js';
import type { JobEvent } from '../jobs/model/job-event.js';

// Strict where jobline itself writes a fixed shape: every field that is printed as it is (ids,
// names, times) must look like what jobline writes, so a hand-made or hostile file cannot carry
// escape sequences to a terminal through them (free text is made inert where it is printed).
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// A commit id (SHA-1 or SHA-256) and a branch name as jobline writes them (no control characters,
// nothing git refuses in a ref name's first character).
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const BRANCH = /^[A-Za-z0-9_][A-Za-z0-9_./+-]{0,199}$/;

// Built at the first read of a job file, not at startup: a start whose jobs are all in the index
// reads none (see docs/PERFORMANCE.md, startup).
function buildJobSchema() {
  const timestamp = z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time').nullable();
  const count = z.number().int().min(0);
  // Tokens and cost (absent in files of older versions, and in jobs that made no model call).
  const usage = z.object({ input: count, output: count, cached: count, costUsd: z.number().min(0).optional() }).optional();
  const phaseSchema = z.object({
    name: z.string().regex(NAME, 'expected a phase name'),
    status: z.enum(PHASE_STATUSES),
    attempts: z.number().int().min(0),
    startedAt: timestamp,
    endedAt: timestamp,
    output: z.string().nullable(),
    outputFile: z.string().regex(ANSWER_FILE_PATTERN, 'expected an answer file').nullable().optional(),
    error: z.string().nullable(),
    // Absent in files of older versions.
    changes: z.object({
      before: z.string().regex(/^[0-9a-f]{40,64}$/),
      after: z.string().regex(/^[0-9a-f]{40,64}$/),
      files: z.array(z.object({ path: z.string().max(4096), added: z.number().int().min(0).nullable(), removed: z.number().int().min(0).nullable() })).max(1000),
      moreFiles: z.number().int().min(0),
    }).nullable().default(null),
    failedTasks: z.number().int().min(1).optional(),
    usage,
    undone: z.array(z.object({ attempt: z.number().int().min(1), ref: z.string().regex(/^refs\/jobline\/[A-Za-z0-9_./-]{1,200}$/, 'expected a jobline ref'), files: count, at: z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time') })).max(1000).optional(),
    commit: z.string().regex(OBJECT_ID).nullable().optional(),
  });
  const commit = z.string().regex(OBJECT_ID, 'expected a commit id').nullable();
  const path = z.string().min(1).max(4096).refine((value) => value.startsWith('/') && !/[\x00-\x1f\x7f]/.test(value), 'expected an absolute path');
  const branch = z.string().regex(BRANCH, 'expected a branch name');
  const worktreeSchema = z.object({
    path,
    branch,
    base: z.string().regex(OBJECT_ID, 'expected a commit id'),
    baseBranch: branch.nullable(),
    repository: path,
    snapshot: commit,
    target: branch.nullable(),
    isolation: z.enum(['worktree', 'task-worktree']),
  });
  const mergeSchema = z.object({
    status: z.enum(MERGE_STATUSES),
    target: branch.nullable(),
    commit,
    conflicts: z.array(z.string().max(4096)).max(1000),
    checkedCommit: commit,
    landedAt: timestamp,
    strategy: z.enum(['merge', 'rebase', 'squash']).optional(),
    oldTarget: commit.optional(),
    step: z.string().regex(NAME).nullable().optional(),
    error: z.string().max(65_536).nullable().optional(),
  });

  // Not strict: a newer minor writer may add fields; unknown *versions* are refused separately.
  const jobSchema = z.object({
    schemaVersion: z.union(READABLE_SCHEMA_VERSIONS.map((version) => z.literal(version))),
    id: z.string().regex(JOB_ID_PATTERN),
    agent: z.string().regex(NAME, 'expected an agent name'),
    description: z.string(),
    mode: z.enum(['interactive', 'background']),
    status: z.enum(JOB_STATUSES),
    phases: z.array(phaseSchema),
    currentPhase: z.number().int().min(0),
    progress: z.object({
      round: z.number(),
      toolCalls: z.number(),
      llmCalls: z.number(),
      lastEvent: z.string().nullable(),
      usage,
    }),
    createdAt: z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time'),
    startedAt: timestamp,
    endedAt: timestamp,
    // Absent in files of older versions (see Job.ranMs).
    ranMs: z.number().int().min(0).optional(),
    runningSince: timestamp.optional(),
    error: z.string().nullable(),
    owner: z.object({ pid: z.number().int(), hostname: z.string().regex(/^[A-Za-z0-9_.-]{0,255}$/, 'expected a host name'), processStartedAt: z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time') }),
    // Added without a version change (readers of version 1 ignore them); absent in older files.
    pendingFeedback: z.string().nullable().optional(),
    pendingRetry: z.object({ keep: z.boolean() }).nullable().optional(),
    hasPendingApproval: z.boolean().optional(),
    eventSeq: z.number().int().min(0).optional(),
    workers: z.number().int().min(1).max(MAX_WORKERS).optional(),
    retries: z.number().int().min(0).max(MAX_RETRIES).optional(),
    keepGoing: z.boolean().optional(),
    name: z.string().regex(JOB_NAME_PATTERN, 'expected a job name').nullable().optional(),
    template: z.object({ name: z.string().regex(NAME, 'expected a template name'), values: z.record(z.string().regex(NAME, 'expected a placeholder name'), z.string().max(65_536)) }).nullable().optional(),
    joinedWorkers: z.array(z.object({ name: z.string().regex(WORKER_NAME_PATTERN, 'expected a worker name'), agent: z.string().regex(WORKER_AGENT_PATTERN, 'expected an agent name'), index: z.number().int().min(0), joinedAt: z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time'), leaseExpiresAt: z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time').optional() })).max(10_000).optional(),
    workerJoins: z.number().int().min(0).optional(),
    dismissedAt: timestamp.optional(),
    worktree: worktreeSchema.nullable().optional(),
    merge: mergeSchema.nullable().optional(),
    budget: z.object({ tokens: z.number().int().min(1).optional(), usd: z.number().positive().optional() }).nullable().optional(),
    model: z.string().min(1).max(200).nullable().optional(),
    instructions: z.string().max(200).nullable().optional(),
    budgetStop: z.object({ reason: z.string().max(1000), at: z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time') }).nullable().optional(),
  });
  return jobSchema;
}

let builtJobSchema: ReturnType<typeof buildJobSchema> | undefined;

/**
 * The log's journal kept in job.json: the events of the write that produced this job.json
 * (`lastEvents`, numbered), so that a log a crash left one write behind can be completed.
 */
export interface JobJournal {
  eventSeq: number;
  lastEvents: JobEvent[];
}

/** Reads the journal from the text of a job.json already accepted by parseJobFile; empty when absent. */
export function readJournal(text: string): JobJournal {
  try {
    const data = JSON.parse(text) as { eventSeq?: unknown; lastEvents?: unknown };
    const lastEvents = Array.isArray(data.lastEvents) ? (data.lastEvents as JobEvent[]).filter((event) => typeof event?.seq === 'number' && typeof event.type === 'string') : [];
    return { eventSeq: typeof data.eventSeq === 'number' ? data.eventSeq : 0, lastEvents };
  } catch {
    return { eventSeq: 0, lastEvents: [] };
  }
}

/**
 * Serialises a job for job.json (2-space indented, trailing newline: friendly to `cat` and jq),
 * with `lastEvents`, the events written with it (see JobJournal).
 */
export function serializeJob(job: Job, lastEvents: readonly JobEvent[] = []): string {
  return `${JSON.stringify(lastEvents.length > 0 ? { ...job, lastEvents } : job, null, 2)}\n`;
}

/**
 * Parses the text of a job.json found at `path`.
 * @throws StoreError JOB_FILE_CORRUPT naming the file and what is wrong: not JSON (e.g. torn),
 *   an unknown schemaVersion, or a field of the wrong shape.
 */
export function parseJobFile(text: string, path: string): Job {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // Node's message quotes the file's text, which may hold escape sequences: only the position is kept.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const what = text.trim() === '' ? 'it is empty' : `it is not valid JSON${position ? ` (at character ${position})` : ''}`;
    throw new StoreError('JOB_FILE_CORRUPT', `Corrupt job file ${path}: ${what}.`, { cause: error });
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof data === 'object' && data !== null && !READABLE_SCHEMA_VERSIONS.includes(version as number)) {
    throw new StoreError(
      'JOB_FILE_CORRUPT',
      `Unsupported job file ${path}: schemaVersion ${JSON.stringify(version)} (this jobline reads versions ${READABLE_SCHEMA_VERSIONS.join(' and ')}).`,
    );
  }
  const result = (builtJobSchema ??= buildJobSchema()).safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'the top level';
    throw new StoreError('JOB_FILE_CORRUPT', `Corrupt job file ${path}: ${where}: ${issue.message}.`);
  }
  const job = result.data;
  // Before phases could be `interrupted`, an interruption marked the phase it stopped `cancelled`:
  // in an interrupted job, that is what a cancelled phase is (a cancel ends the job cancelled).
  if (job.status === 'interrupted') for (const phase of job.phases) if (phase.status === 'cancelled') phase.status = 'interrupted';
  // Files written before these fields existed: no feedback was pending (it lived in memory), a
  // job found awaiting approval still waits for it, and a job ran one task at a time. A version-1 file is migrated as it is read:
  // its fields mean the same in version 2, and its tasks and runs are rebuilt (task-history.ts).
  return { ...job, schemaVersion: SCHEMA_VERSION, pendingFeedback: job.pendingFeedback ?? null, hasPendingApproval: job.hasPendingApproval ?? job.status === 'awaiting_approval', eventSeq: job.eventSeq ?? 0, workers: job.workers ?? 1, retries: job.retries ?? 0, keepGoing: job.keepGoing ?? false } as Job;
}

/**
 * Largest job.json read (bytes). A job's state is a few KB (phase outputs are cut to 4,000
 * characters each); anything far larger was not written by jobline and is refused unread, so a
 * hostile file cannot make a listing use gigabytes.
 */
export const MAX_JOB_FILE_BYTES = 8 * 1024 * 1024;

function assertJobFileSize(size: number, path: string): void {
  if (size > MAX_JOB_FILE_BYTES) {
    throw new StoreError('JOB_FILE_CORRUPT', `Corrupt job file ${path}: it is ${Math.round(size / 1024 / 1024)} MB, far larger than any job jobline writes (at most ${MAX_JOB_FILE_BYTES / 1024 / 1024} MB is read).`);
  }
}

function readError(path: string, error: unknown): StoreError {
  return error instanceof StoreError ? error : new StoreError('JOB_IO', `Cannot read ${path}: ${describeError(error)}`, { cause: error });
}

/**
 * Reads the job.json at `path` as text, never through a symbolic link (ELOOP) and never one over
 * MAX_JOB_FILE_BYTES. @throws StoreError JOB_FILE_CORRUPT (too large), JOB_IO (cannot be read).
 */
export async function readJobFile(path: string): Promise<string> {
  try {
    const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      // A job.json is a few KB: one read usually gets it all (open, read, close; listing 10,000
      // jobs does this 10,000 times). Only a file that fills the buffer is measured first.
      const first = Buffer.allocUnsafe(FIRST_READ_BYTES);
      const { bytesRead } = await file.read(first, 0, FIRST_READ_BYTES, 0);
      // Stryker disable next-line ConditionalExpression: a fast path; measuring a small file reads it the same
      if (bytesRead < FIRST_READ_BYTES) return first.toString('utf8', 0, bytesRead);
      const { size } = await file.stat();
      assertJobFileSize(size, path);
      const whole = Buffer.allocUnsafe(size);
      const { bytesRead: total } = await file.read(whole, 0, size, 0);
      return whole.toString('utf8', 0, total);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw readError(path, error);
  }
}

// Bytes read before a job.json is measured (see readJobFile).
// Stryker disable next-line ArithmeticOperator: made when the module loads, where Stryker's switch never reaches (it reports survivors however well tested); planted by hand (scripts/plant-mutants.mjs), each fails test/unit/store/job-file.test.ts
const FIRST_READ_BYTES = 32 * 1024;

/** `readJobFile` on this thread, with the file's mtime (ms since the epoch). Throws like it. */
export function readJobFileSync(path: string): { text: string; modifiedMs: number } {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stats = fstatSync(fd);
      assertJobFileSize(stats.size, path);
      return { text: readFileSync(fd, 'utf8'), modifiedMs: stats.mtimeMs };
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw readError(path, error);
  }
}
