// The session's jobs as the manager holds them, and the waits on them: lookups, idle waits, and
// holds on removals. The manager (manager.ts) builds on this with the commands that change jobs.
import { EventEmitter } from 'node:events';
import type { AgentSpec } from '../../agents/agent.js';
import { isActiveStatus, isExternalJob, type Job } from '../model/job.js';
import { resolveJobId } from '../model/job-id.js';
import type { TaskBoard } from '../model/task.js';
import { ConditionWaiters } from './condition-waiters.js';
import type { JobHandle } from './job-handle.js';
import type { JobManagerEvents } from './manager-api.js';

/** This session's jobs (in order of submission) and the conditions callers wait for. */
export abstract class JobSession extends EventEmitter<JobManagerEvents> {
  /** The session's jobs by id, in the order they joined the session. */
  protected readonly entries = new Map<string, JobHandle>();
  protected readonly waiters = new ConditionWaiters();
  private removalHolds = 0;

  /** True while a slot is held or the storage policy is at work (the session is not idle). */
  protected abstract isBusy(): boolean;
  /** True when job `id` holds a slot. */
  protected abstract holdsSlot(id: string): boolean;

  /** Resolves when no front end holds removals back (see holdRemovals). */
  protected whenRemovalsAllowed(): Promise<void> {
    return this.waiters.wait(() => this.removalHolds === 0);
  }

  /** This session's jobs, oldest first. */
  list(): Job[] {
    return [...this.entries.values()].map((entry) => entry.job);
  }

  /** Resolves an id or unique prefix among this session's jobs. @throws JobLookupError. */
  resolveId(input: string): string {
    return resolveJobId(input, this.entries.keys());
  }

  /** Returns job `id` of this session. @throws JobLookupError JOB_NOT_FOUND (a prefix is resolved first). */
  get(id: string): Job {
    return this.requireEntry(id).job;
  }

  /** The agent job `id` runs with in this session, or null for a job this session does not hold. */
  agentOf(id: string): AgentSpec | null {
    return this.entries.get(id)?.agent ?? null;
  }

  /** The tasks and runs of job `id` of this session, or null for a job this session does not hold. */
  boardOf(id: string): TaskBoard | null {
    return this.entries.get(id)?.board ?? null;
  }


  /**
   * Holds back the removal of completed jobs' files until the returned function is called: for a
   * front end that holds notifications back (while a foreground command owns the screen), so that
   * no job is cleaned up before the user has seen it end. Holds nest.
   */
  holdRemovals(): () => void {
    this.removalHolds++;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.removalHolds--;
      this.waiters.check();
    };
  }

  /** Returns true when job `id` (a full id) belongs to this session. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Resolves when no job of this session is queued, running or awaiting approval, no slot is held
   * and the storage policy has finished with every ended job.
   */
  whenIdle(): Promise<void> {
    return this.waiters.wait(() => this.isIdle(false));
  }

  /**
   * Resolves when no job of this session is queued or running, no slot is held and the storage
   * policy has finished: every job has ended or waits for an approval.
   */
  whenNothingRuns(): Promise<void> {
    return this.waiters.wait(() => this.isIdle(true));
  }

  /**
   * Returns true while any job of this session is queued, running or awaiting approval: what
   * leaving would interrupt (an external job is left active: its workers are other processes).
   */
  hasActiveJobs(): boolean {
    return this.list().some((job) => isActiveStatus(job.status) && !isExternalJob(job));
  }


  // 1-based place of queued job `id` among the queued jobs waiting for a slot, in plan order.
  protected queuePositionOf(id: string): number {
    let position = 0;
    for (const entry of this.entries.values()) {
      if (entry.job.status !== 'queued' || this.holdsSlot(entry.id)) continue;
      position++;
      if (entry.id === id) return position;
    }
    return position;
  }

  protected requireEntry(idOrPrefix: string): JobHandle {
    return this.entries.get(this.resolveId(idOrPrefix))!;
  }


  // Idle: no slot held, no cleanup pending, and no active job (with `isAwaitingApprovalIdle`, a
  // job awaiting approval counts as idle: it runs nothing until someone answers).
  private isIdle(isAwaitingApprovalIdle: boolean): boolean {
    if (this.isBusy()) return false;
    return !this.list().some((job) => isActiveStatus(job.status) && !(isAwaitingApprovalIdle && job.status === 'awaiting_approval'));
  }

  protected recheckWaiters(): void {
    this.waiters.check();
  }

}
