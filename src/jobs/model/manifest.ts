// A job's manifest: the summary of its results written as job_manifest.json when it ends (see
// docs/MANIFEST.md, the public format). Pure: built from the job, its board and its provenance.
import type { Job, JobBudget, JobMode, JobStatus, PhaseStatus, TokenUsage } from './job.js';
import type { TaskBoard } from './task.js';

/**
 * Version of the manifest format (`manifestVersion`); raised on any change a reader would notice.
 * 2: tokens and cost (`usage`, per phase too), `budget` and `model`.
 */
export const MANIFEST_VERSION = 2;

/** File name of the manifest, in the job's folder. */
export const MANIFEST_FILE = 'job_manifest.json';

/** Most files listed in `filesModified`; the rest are counted in `moreFilesModified`. */
export const MAX_MANIFEST_FILES = 1000;

/** Most characters of `finalOutput` kept (the end of it). */
export const MAX_MANIFEST_OUTPUT_CHARS = 16_384;

/** Where a job came from: what made it, and with which settings. */
export interface ManifestProvenance {
  /** The jobline version that wrote the manifest (package.json's `version`). */
  joblineVersion: string;
  /** The job's agent, by name. */
  agent: string;
  /**
   * `sha256:` and the hex SHA-256 of the job's effective configuration: its agent's resolved
   * definition and the job's settings (mode, workers, retries, keepGoing, template), as
   * canonical JSON. Two jobs with the same hash ran with the same configuration.
   */
  configHash: string;
}

/** One phase as the manifest reports it. Times are ISO-8601 UTC; durations in ms. */
export interface ManifestPhase {
  name: string;
  status: PhaseStatus;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  error: string | null;
  /** Files its last attempt changed in a git workspace (0 outside git). */
  filesChanged: number;
  /** Tokens (and cost) of its model calls, every task and attempt; null: none counted. */
  usage: TokenUsage | null;
}

/** The manifest of one ended job, as written to job_manifest.json. */
export interface JobManifest {
  manifestVersion: typeof MANIFEST_VERSION;
  id: string;
  name: string | null;
  status: JobStatus;
  mode: JobMode;
  /** The job's prompt. */
  prompt: string;
  /** The template it was made from (`/run NAME key=value`), or null. */
  template: { name: string; values: Record<string, string> } | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** From its creation to its start (ms); null if it never started. */
  queuedMs: number | null;
  /** From its start to its end (ms), pauses for approval included; null if it never started. */
  durationMs: number | null;
  error: string | null;
  phases: ManifestPhase[];
  tasks: { total: number; done: number; failed: number; cancelled: number; notRun: number };
  runs: { total: number; succeeded: number; failed: number; cancelled: number; interrupted: number; running: number };
  /** Files the job modified (phases' git changes and tasks' reports), sorted, at most MAX_MANIFEST_FILES. */
  filesModified: string[];
  moreFilesModified: number;
  /** The output of its last phase that has one (its last MAX_MANIFEST_OUTPUT_CHARS characters), or null. */
  finalOutput: string | null;
  /** Tokens (and cost) of every model call of the job; null: none counted. */
  usage: TokenUsage | null;
  /** Its budget as it ended (raised by each "continue"), or null. */
  budget: JobBudget | null;
  /** The model its LLM agent ran when it was not the agent's own (`--model`), or null. */
  model: string | null;
  provenance: ManifestProvenance;
}

/** The milliseconds from `from` to `to` (ISO-8601), or null when either is missing. */
function spanMs(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

/** Builds the manifest of `job` (normally ended) from its state, its tasks and runs, and `provenance`. */
export function buildJobManifest(job: Job, board: TaskBoard, provenance: ManifestProvenance): JobManifest {
  const tasks = { total: board.tasks.length, done: 0, failed: 0, cancelled: 0, notRun: 0 };
  for (const task of board.tasks) {
    if (task.status === 'done') tasks.done++;
    else if (task.status === 'failed') tasks.failed++;
    else if (task.status === 'cancelled') tasks.cancelled++;
    else tasks.notRun++;
  }
  const runs = { total: board.runs.length, succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, running: 0 };
  for (const run of board.runs) runs[run.state.status]++;
  const files = new Set<string>();
  for (const phase of job.phases) for (const file of phase.changes?.files ?? []) files.add(file.path);
  for (const task of board.tasks) for (const file of task.filesModified) files.add(file);
  const sorted = [...files].sort();
  const lastOutput = [...job.phases].reverse().find((phase) => phase.output !== null && phase.output !== '')?.output ?? null;
  return {
    manifestVersion: MANIFEST_VERSION,
    id: job.id,
    name: job.name ?? null,
    status: job.status,
    mode: job.mode,
    prompt: job.description,
    template: job.template ?? null,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    queuedMs: spanMs(job.createdAt, job.startedAt),
    durationMs: spanMs(job.startedAt, job.endedAt),
    error: job.error,
    phases: job.phases.map((phase) => ({
      name: phase.name,
      status: phase.status,
      attempts: phase.attempts,
      startedAt: phase.startedAt,
      endedAt: phase.endedAt,
      durationMs: spanMs(phase.startedAt, phase.endedAt),
      error: phase.error,
      filesChanged: (phase.changes?.files.length ?? 0) + (phase.changes?.moreFiles ?? 0),
      usage: phase.usage ?? null,
    })),
    tasks,
    runs,
    filesModified: sorted.slice(0, MAX_MANIFEST_FILES),
    moreFilesModified: Math.max(0, sorted.length - MAX_MANIFEST_FILES),
    finalOutput: lastOutput === null ? null : lastOutput.slice(-MAX_MANIFEST_OUTPUT_CHARS),
    usage: job.progress.usage ?? null,
    budget: job.budget ?? null,
    model: job.model ?? null,
    provenance,
  };
}
