// Manifests of ended jobs (model/manifest.ts) with their provenance: the version that wrote them
// and a hash of the configuration the job ran with.
import { createHash } from 'node:crypto';
import { isTerminalStatus, type Job, type JobStatus } from '../model/job.js';
import { buildJobManifest, type JobManifest } from '../model/manifest.js';
import type { TaskBoard } from '../model/task.js';
import { JOBLINE_VERSION } from '../../version.js';

/** JSON with every object's keys sorted, so equal values hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    // Keys in UTF-16 code unit order (sort's default for strings): the same on every host and locale.
    return Object.fromEntries(Object.keys(inner).sort().map((key) => [key, (inner as Record<string, unknown>)[key]]));
  });
}

/**
 * `sha256:<hex>` of job `job`'s effective configuration: `agentDefinition` (its agent as resolved
 * from the config; functions and secrets' values never appear in one) and the job's settings.
 */
export function hashEffectiveConfig(job: Job, agentDefinition: unknown): string {
  const effective = { agent: agentDefinition, mode: job.mode, workers: job.workers, retries: job.retries, keepGoing: job.keepGoing, template: job.template ?? null };
  return `sha256:${createHash('sha256').update(canonicalJson(effective)).digest('hex')}`;
}

/** The manifest of `job` with its tasks and runs `board`, run by `agentDefinition`. */
export function manifestOf(job: Job, board: TaskBoard, agentDefinition: unknown): JobManifest {
  return buildJobManifest(job, board, { joblineVersion: JOBLINE_VERSION, agent: job.agent, configHash: hashEffectiveConfig(job, agentDefinition) });
}

/**
 * True when a change took a job from `before` to an end that gets a manifest: completed, failed
 * or cancelled. An interruption is not an end (the job may resume); it gets its manifest when it
 * ends after its resume.
 */
export function hasJustEnded(before: JobStatus, after: JobStatus): boolean {
  return !isTerminalStatus(before) && isTerminalStatus(after) && after !== 'interrupted';
}
