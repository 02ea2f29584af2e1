// The typed messages between the manager (main thread) and a worker thread. Both directions are
// past-tense events; errors cross the boundary as strings in data, never as thrown objects.
import type { JobProgress, WorkspaceChanges } from '../model/job.js';
import type { PhaseRequest } from '../ports/executor.js';
import type { PlannedTask } from '../../agents/agent.js';

/** Messages the main thread posts to a worker. `runId` ties replies to one phase run. */
export type HostMessage =
  | { type: 'phaseRequested'; runId: number; request: PhaseRequest }
  | { type: 'cancelRequested'; runId: number };

/**
 * Messages a worker posts to the main thread. Child processes are not reported by message but
 * in shared memory (child-registry.ts), which the main thread can read even if the worker hangs.
 */
export type WorkerMessage =
  /** Complete output lines since the last message: `lineCount` in all, the last few in `lines`. */
  | { type: 'outputProduced'; runId: number; lines: string[]; lineCount: number }
  | { type: 'progressReported'; runId: number; progress: Partial<JobProgress> }
  | { type: 'activityReported'; runId: number; icon: string; text: string }
  /** `tasks`: the next phase's work the run planned (checked); `filesModified`: the paths it wrote, when its agent tracks them. */
  | { type: 'phaseCompleted'; runId: number; output: string | null; changes: WorkspaceChanges | null; tasks?: PlannedTask[]; filesModified?: string[] }
  | { type: 'phaseFailed'; runId: number; error: string; output: string | null; changes: WorkspaceChanges | null; filesModified?: string[] }
  | { type: 'phaseCancelled'; runId: number };

/** Most recent lines carried by one `outputProduced` message (the rest are only counted). */
export const MAX_LINES_PER_OUTPUT_MESSAGE = 10;
/** Longest line carried in a message, in characters; the full line stays in output.log. */
export const MAX_LINE_CHARS = 500;
