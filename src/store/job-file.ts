// Parsing and validating job.json. Files come from disk and may be torn, hand-edited or written
// by another version, so nothing is trusted until it passes the schema.
import { z } from 'zod';
import { StoreError } from '../errors.js';
import { JOB_STATUSES, PHASE_STATUSES, SCHEMA_VERSION, type Job } from '../jobs/job.js';
import { JOB_ID_PATTERN } from '../jobs/job-id.js';

const timestamp = z.string().nullable();
const phaseSchema = z.object({
  name: z.string(),
  status: z.enum(PHASE_STATUSES),
  attempts: z.number().int().min(0),
  startedAt: timestamp,
  endedAt: timestamp,
  output: z.string().nullable(),
  error: z.string().nullable(),
});

// Not strict: a newer minor writer may add fields; unknown *versions* are refused separately.
const jobSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string().regex(JOB_ID_PATTERN),
  agent: z.string(),
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
  }),
  createdAt: z.string(),
  startedAt: timestamp,
  endedAt: timestamp,
  error: z.string().nullable(),
  owner: z.object({ pid: z.number().int(), hostname: z.string(), processStartedAt: z.string() }),
  // Added without a version change (readers of version 1 ignore them); absent in older files.
  pendingFeedback: z.string().nullable().optional(),
  hasPendingApproval: z.boolean().optional(),
});

/** Serialises a job for job.json (2-space indented, trailing newline: friendly to `cat` and jq). */
export function serializeJob(job: Job): string {
  return `${JSON.stringify(job, null, 2)}\n`;
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
    const what = text.trim() === '' ? 'it is empty' : `it is not valid JSON (${(error as Error).message})`;
    throw new StoreError('JOB_FILE_CORRUPT', `Corrupt job file ${path}: ${what}.`, { cause: error });
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof data === 'object' && data !== null && version !== SCHEMA_VERSION) {
    throw new StoreError(
      'JOB_FILE_CORRUPT',
      `Unsupported job file ${path}: schemaVersion ${JSON.stringify(version)} (this jobline reads version ${SCHEMA_VERSION}).`,
    );
  }
  const result = jobSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'the top level';
    throw new StoreError('JOB_FILE_CORRUPT', `Corrupt job file ${path}: ${where}: ${issue.message}.`);
  }
  const job = result.data;
  // Files written before these fields existed: no feedback was pending (it lived in memory), and
  // a job found awaiting approval still waits for it.
  return { ...job, pendingFeedback: job.pendingFeedback ?? null, hasPendingApproval: job.hasPendingApproval ?? job.status === 'awaiting_approval' } as Job;
}
