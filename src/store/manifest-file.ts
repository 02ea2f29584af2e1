// Reading job_manifest.json. The schema here is the manifest's public format (docs/MANIFEST.md
// documents it field by field; a test holds the two together). Files are checked like job.json:
// a hand-made or hostile manifest is refused, not shown.
import * as z from 'zod';
import { StoreError } from '../errors.js';
import { JOB_NAME_PATTERN, JOB_STATUSES, PHASE_STATUSES } from '../jobs/model/job.js';
import { JOB_ID_PATTERN } from '../jobs/model/job-id.js';
import { MANIFEST_VERSION, type JobManifest } from '../jobs/model/manifest.js';
import { readJobFile } from './job-file.js';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The schema of job_manifest.json, version MANIFEST_VERSION. Strict: an unknown field is refused. */
export function buildManifestSchema() {
  const time = z.string().regex(ISO_TIMESTAMP, 'expected an ISO-8601 UTC time');
  const count = z.number().int().min(0);
  const ms = z.number().min(0).nullable();
  // Tokens and cost; absent from manifests of version 1, which were written before they were counted.
  const usage = z.strictObject({ input: count, output: count, cached: count, costUsd: z.number().min(0).optional() }).nullable().optional();
  return z.strictObject({
    manifestVersion: z.union([z.literal(1), z.literal(MANIFEST_VERSION)]),
    id: z.string().regex(JOB_ID_PATTERN, 'expected a job id'),
    name: z.string().regex(JOB_NAME_PATTERN, 'expected a job name').nullable(),
    status: z.enum(JOB_STATUSES),
    mode: z.enum(['interactive', 'background']),
    prompt: z.string(),
    template: z.strictObject({ name: z.string().regex(NAME), values: z.record(z.string().regex(NAME), z.string()) }).nullable(),
    createdAt: time,
    startedAt: time.nullable(),
    endedAt: time.nullable(),
    queuedMs: ms,
    durationMs: ms,
    error: z.string().nullable(),
    phases: z.array(z.strictObject({ name: z.string().regex(NAME), status: z.enum(PHASE_STATUSES), attempts: count, startedAt: time.nullable(), endedAt: time.nullable(), durationMs: ms, error: z.string().nullable(), filesChanged: count, usage })),
    tasks: z.strictObject({ total: count, done: count, failed: count, cancelled: count, notRun: count }),
    runs: z.strictObject({ total: count, succeeded: count, failed: count, cancelled: count, interrupted: count, running: count }),
    filesModified: z.array(z.string()),
    moreFilesModified: count,
    finalOutput: z.string().nullable(),
    usage,
    budget: z.strictObject({ tokens: count.optional(), usd: z.number().min(0).optional() }).nullable().optional(),
    model: z.string().nullable().optional(),
    provenance: z.strictObject({ joblineVersion: z.string().min(1), agent: z.string().regex(NAME), configHash: z.string().regex(/^sha256:[0-9a-f]{64}$/) }),
  });
}

/**
 * Reads and checks the manifest at `path`; null when there is none.
 * @throws StoreError JOB_FILE_CORRUPT (not JSON, or not a manifest), JOB_IO.
 */
export async function readManifestFile(path: string): Promise<JobManifest | null> {
  let text: string;
  try {
    text = await readJobFile(path);
  } catch (error) {
    if (error instanceof StoreError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreError('JOB_FILE_CORRUPT', `${path} is not JSON.`);
  }
  const parsed = buildManifestSchema().safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StoreError('JOB_FILE_CORRUPT', `${path} is not a job manifest: ${issue.path.join('.') || '(top)'}: ${issue.message}.`);
  }
  return parsed.data as JobManifest;
}
