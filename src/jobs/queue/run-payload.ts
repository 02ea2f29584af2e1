// What a run sent through the queue carries (BullMQ job data), and the entries of its stream.
// A payload is plain data a worker on another machine can act on: the run's request without the
// coordinator's paths, never a key nor the coordinator's environment (a worker reads its own).
import { basename } from 'node:path';
import type { PhaseRequest, RunOutcome } from '../ports/executor.js';
import type { JobProgress, TokenUsage } from '../model/job.js';

/**
 * The request a worker runs: the coordinator's, less what only makes sense on its machine: its
 * paths (the job's worktree) and the git trees of its repository (a phase's baseline;
 * a previous attempt's trees, of which the worker's copy has none: the retry is told its answer).
 */
export type RemoteRequest = Omit<PhaseRequest, 'outputLogPath' | 'cwd' | 'startRecord' | 'adoptRunId' | 'worktree' | 'phaseBaseline'>;

/** Where a remote run works: its worker's own folder, or a worktree of the job's repository at a commit. */
export type RemoteWorkspace = { kind: 'none' } | { kind: 'repository'; remote: string; commit: string; branch: string; subdir?: string };

/** The data of one run's BullMQ job. */
export interface RunPayload {
  /** Format of the payload (a worker refuses one it does not know). */
  version: 1;
  /** `job-ab12cd34.r3` (see formatRunKey). */
  runKey: string;
  request: RemoteRequest;
  /** The file of the job's folder the run's output goes to (`output.log`, `runs/r3.log`): its name on the worker too. */
  outputFile: string;
  workspace: RemoteWorkspace;
  labels: string[];
  /** The coordinator that sent it (hostname-pid), for a worker's log. */
  coordinator: string;
}

/** Current payload format. */
export const PAYLOAD_VERSION = 1;

/**
 * The payload of `request` (run `runKey`): its coordinator paths dropped, its output file named
 * relative to the job's folder. Only the request's own fields are copied: nothing else of the
 * coordinator travels.
 */
export function buildPayload(runKey: string, request: PhaseRequest, workspace: RemoteWorkspace, coordinator: string): RunPayload {
  const { outputLogPath, cwd: _cwd, startRecord: _start, adoptRunId: _adopt, worktree: _worktree, phaseBaseline: _baseline, ...rest } = request;
  const outputFile = basename(outputLogPath) === 'output.log' ? 'output.log' : `runs/${basename(outputLogPath)}`;
  const remote: RemoteRequest = rest.previousAttempt ? { ...rest, previousAttempt: { ...rest.previousAttempt, changes: null } } : rest;
  return { version: PAYLOAD_VERSION, runKey, request: remote, outputFile, workspace, labels: [...(request.labels ?? [])].sort(), coordinator };
}

/**
 * The request a worker runs for `payload` on its machine: in its workspace (`cwd`; an LLM agent's
 * tools are confined to it), its output in `outputLogPath`, and the keys of both sides scrubbed
 * (the payload names the coordinator's key variables; `secretEnvNames` adds the worker's own; the
 * values are the worker's).
 */
export function toLocalRequest(payload: RunPayload, where: { cwd: string; outputLogPath: string; isRecorded: boolean; secretEnvNames: readonly string[] }): PhaseRequest {
  const { request } = payload;
  return {
    ...request,
    agent: request.agent.type === 'llm' ? { ...request.agent, workspace: where.cwd } : request.agent,
    outputLogPath: where.outputLogPath,
    cwd: where.cwd,
    secretEnvNames: [...new Set([...request.secretEnvNames, ...where.secretEnvNames])],
    ...(where.isRecorded ? {} : { isWorkspaceRecorded: false }),
  };
}

/** What a worker sends on a run's stream, in order (field `t`, JSON in field `d`). */
export type StreamEntry =
  /** Worker `worker` took the run (it may be a second one, after the first went away). */
  | { t: 'taken'; worker: string }
  /** Bytes of the run's output file, as written there on the worker (headers and activity lines included). */
  | { t: 'log'; text: string }
  /** Complete output lines: `count` since the last, the last few in `lines` (see RunListener.output). */
  | { t: 'out'; lines: string[]; count: number }
  | { t: 'progress'; progress: Partial<JobProgress> }
  | { t: 'activity'; icon: string; text: string }
  /** A model's answer as it streams (see RunListener.text). */
  | { t: 'text'; text: string }
  /** The run reached the job's budget with the job's tokens at `usage` (see RunListener.budgetReached). */
  | { t: 'budget'; usage: TokenUsage }
  /**
   * The run's BullMQ job is completed with `result` as its return value. Written only after BullMQ
   * accepted the completion, which only the holder of the run's lock can make: a stale worker
   * (its lock lost) never writes one, so the coordinator may take the outcome from here.
   */
  | { t: 'end'; result?: RunResult };

/** The fields of one XADD for `entry`. */
export function encodeEntry(entry: StreamEntry): [string, string, string, string] {
  const { t, ...data } = entry;
  return ['t', t, 'd', JSON.stringify(data)];
}

/** The entry an XREAD returned as fields (`['t', 'log', 'd', '{…}']`), or null for one this version does not know. */
export function decodeEntry(fields: readonly string[]): StreamEntry | null {
  let type: string | undefined;
  let data: string | undefined;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 't') type = fields[index + 1];
    else if (fields[index] === 'd') data = fields[index + 1];
  }
  if (!type || data === undefined) return null;
  try {
    const parsed = JSON.parse(data) as Record<string, unknown>;
    if (!['taken', 'log', 'out', 'progress', 'activity', 'text', 'budget', 'end'].includes(type)) return null;
    return { ...parsed, t: type } as StreamEntry;
  } catch {
    return null;
  }
}

/**
 * The return value a worker completes a run's BullMQ job with: the run's outcome, and the branch
 * it pushed its changes to (a run in a repository workspace that changed something).
 */
export type RunResult = { outcome: RunOutcome; pushed?: { branch: string; commit: string } };
