// The typed messages between the manager (main thread) and a worker thread. Both directions are
// past-tense events; errors cross the boundary as strings in data, never as thrown objects.
import type { JobBudget, JobProgress, TokenUsage, WorkspaceChanges } from '../model/job.js';
import type { PhaseRequest } from '../ports/executor.js';
import type { PlannedTask } from '../../agents/agent.js';

/** Messages the main thread posts to a worker. `runId` ties replies to one phase run. */
export type HostMessage =
  | { type: 'phaseRequested'; runId: number; request: PhaseRequest }
  | { type: 'cancelRequested'; runId: number }
  /** The job's tokens outside the run and its budget, as they change (see RunHandle.updateUsage). */
  | { type: 'usageUpdated'; runId: number; others: TokenUsage; budget: JobBudget | null };

/**
 * Messages a worker posts to the main thread. Child processes are not reported by message but
 * in shared memory (child-registry.ts), which the main thread can read even if the worker hangs.
 */
export type WorkerMessage =
  /** Complete output lines since the last message: `lineCount` in all, the last few in `lines`. */
  | { type: 'outputProduced'; runId: number; lines: string[]; lineCount: number }
  | { type: 'progressReported'; runId: number; progress: Partial<JobProgress> }
  | { type: 'activityReported'; runId: number; icon: string; text: string }
  /** A model's answer as it streams (see PhaseReporter.text), a few times a second, cut at whitespace. */
  | { type: 'textProduced'; runId: number; text: string }
  /** The run reached the job's budget with the job's tokens at `usage`, and waits (see RunListener.budgetReached). */
  | { type: 'budgetReached'; runId: number; usage: TokenUsage }
  /**
   * `tasks`: the next phase's work the run planned (checked); `filesModified`: the paths it wrote,
   * when its agent tracks them; `usage`: its model calls' tokens, when its agent counts them.
   */
  | { type: 'phaseCompleted'; runId: number; output: string | null; changes: WorkspaceChanges | null; tasks?: PlannedTask[]; filesModified?: string[]; usage?: TokenUsage; outputFile?: string; instructions?: string }
  | { type: 'phaseFailed'; runId: number; error: string; output: string | null; changes: WorkspaceChanges | null; filesModified?: string[]; usage?: TokenUsage; outputFile?: string; instructions?: string; asks?: boolean }
  | { type: 'phaseCancelled'; runId: number };

/** Most recent lines carried by one `outputProduced` message (the rest are only counted). */
export const MAX_LINES_PER_OUTPUT_MESSAGE = 10;
/** Longest line carried in a message, in characters; the full line stays in output.log. */
export const MAX_LINE_CHARS = 500;
