// A session whose jobs run in `jobline serve`: the REPL and the script commands attach to it when
// a server runs on their jobs folder. Commands go to the API; the server's event stream (with its
// live output) keeps a mirror of the server's jobs, so lookups stay synchronous and events reach
// this process's listeners as they would from a local manager. Leaving never touches the jobs.
// A server that goes (its process ended) ends the session: its active jobs are read again from
// the jobs folder, where they are interrupted, and their ends reported, so a command waiting on
// one ends too.
import { EventEmitter } from 'node:events';
import type { AgentSpec } from '../agents/agent.js';
import type { JoblineConfig } from '../config/schema.js';
import { JobLookupError } from '../errors.js';
import { ACTIVE_STATUSES, isActiveStatus, type Job, type JobMode } from '../jobs/model/job.js';
import type { JobEvent } from '../jobs/model/job-event.js';
import type { TaskBoard } from '../jobs/model/task.js';
import type { JobReader } from '../jobs/ports/job-reader.js';
import type { JobManagerEvents, SubmitRequest, SubmitResult } from '../jobs/service/manager-api.js';
import type { JobChange, ResumeOptions, SessionPort, WorkersPort } from '../jobs/service/session-port.js';
import type { ApiResponse, ServerClient, ServerEvent } from './server-client.js';
import { ServerError } from '../store/server-presence.js';
import { RemoteWorkers } from './remote-workers.js';
import { ServerWatch } from './server-watch.js';

/** Settings of an attached session. */
export interface RemoteSessionOptions {
  /**
   * The client's own config and its path, whose agents the server resolves a submission's agent
   * from (it gets their definitions, never the path to read); null: the server's config.
   */
  ownConfig: { config: JoblineConfig; path: string } | null;
  /** The jobs folder, where the jobs of a server that went are read (interrupted) from. */
  folder: Pick<JobReader, 'load' | 'readEvents'>;
  /**
   * Hears that the server went (its process ended), once, before the ends of its jobs are
   * reported; `activeJobs` are the jobs it ran as last heard.
   */
  onGone?: (gone: { pid: number; activeJobs: Job[] }) => void;
}

/**
 * What a submission sends of the client's own config (`definitions` of POST /api/jobs): its
 * agents and providers as loaded (module paths and the workspace made absolute), its default
 * agent, and its path, for messages only.
 */
export function toAgentDefinitions(own: { config: JoblineConfig; path: string }): Record<string, unknown> {
  const { agents, providers, defaultAgent, workspace } = own.config;
  return { agents, providers, defaultAgent: defaultAgent ?? null, workspace: workspace ?? null, configFile: own.path };
}

/** A session in `jobline serve` (see SessionPort). */
export class RemoteSession extends EventEmitter<JobManagerEvents> implements SessionPort {
  readonly workers: WorkersPort;
  /** The server's jobs as last heard, by id. */
  private readonly jobs = new Map<string, Job>();
  /** Jobs this client submitted or resumed (what its idle waits wait for), with the agent it resolved for them. */
  private readonly own = new Map<string, AgentSpec | null>();
  private readonly idleWaiters: Array<{ isNothingRunning: boolean; resolve: () => void }> = [];
  private readonly watch: ServerWatch;
  private isClosed = false;

  private constructor(
    readonly client: ServerClient,
    private readonly options: RemoteSessionOptions,
  ) {
    super();
    this.workers = new RemoteWorkers(client);
    this.watch = new ServerWatch(client, {
      event: (event) => this.hear(event),
      gone: () => void this.reportGone(),
      warning: (message) => void (this.isClosed ? null : this.emit('warning', message)),
    });
  }

  /**
   * Attaches to the server `client` speaks to: reads its active jobs, then follows its events.
   * Resolves once the event stream is open (nothing that happens after is missed).
   * @throws ServerError SERVER_UNREACHABLE; ApiError.
   */
  static async attach(client: ServerClient, options: RemoteSessionOptions): Promise<RemoteSession> {
    const session = new RemoteSession(client, options);
    await session.watch.start();
    try {
      const { body } = await client.request<{ jobs: Job[] }>('GET', `/api/jobs?status=${ACTIVE_STATUSES.join(',')}`);
      for (const job of body.jobs) session.remember(job);
    } catch (error) {
      session.watch.stop();
      throw error;
    }
    return session;
  }

  /** True once the server went (its process ended): the session is over. Looks at its process now (see ServerWatch.check). */
  get isServerGone(): boolean {
    return this.watch.check();
  }

  /**
   * Waits up to `timeoutMs` for the server to be gone (one closing down stops answering a moment
   * before it exits); true when it is (the session has then reported its jobs' ends).
   */
  whenServerGone(timeoutMs: number): Promise<boolean> {
    return this.watch.waitGone(timeoutMs);
  }

  /** The server's pid (for "attached to jobline serve (pid N)"). */
  get serverPid(): number {
    return this.client.info.pid;
  }

  get attachedTo(): { pid: number } {
    return { pid: this.serverPid };
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  get(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new JobLookupError('JOB_NOT_FOUND', `No job ${id} in jobline serve's session.`);
    return job;
  }

  list(): Job[] {
    return [...this.jobs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  // The server holds the boards: readers read them from the jobs folder.
  boardOf(): TaskBoard | null {
    return null;
  }

  agentOf(id: string): AgentSpec | null {
    return this.own.get(id) ?? null;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const { body } = await this.request<SubmitResult>('POST', '/api/jobs', {
      prompt: request.prompt,
      agent: request.agent.name,
      ...(this.options.ownConfig ? { definitions: toAgentDefinitions(this.options.ownConfig) } : {}),
      mode: request.mode,
      cwd: request.cwd,
      ...(request.workers !== undefined ? { workers: request.workers } : {}),
      ...(request.retries !== undefined ? { retries: request.retries } : {}),
      ...(request.keepGoing !== undefined ? { keepGoing: request.keepGoing } : {}),
      ...(request.name ? { name: request.name } : {}),
      ...(request.taskInputs ? { inputs: request.taskInputs } : {}),
      ...(request.template ? { templateRef: request.template } : {}),
      ...(request.budget ? { budget: request.budget } : {}),
      ...(request.model ? { model: request.model } : {}),
      ...(request.tasks ? { tasks: request.tasks.map((task) => ({ title: task.title, input: task.input, dependsOn: [...task.dependsOn], files: [...task.claims] })) } : {}),
      ...(request.isolation ? { isolation: request.isolation } : {}),
      ...(request.base ? { base: request.base } : {}),
    });
    this.own.set(body.job.id, request.agent);
    this.remember(body.job);
    return body;
  }

  approve(id: string): Promise<Job> {
    return this.decide(id, 'approve', {});
  }

  retry(id: string, feedback: string | null = null, keep = false): Promise<Job> {
    return this.decide(id, 'retry', { feedback, ...(keep ? { keep } : {}) });
  }

  cancel(id: string): Promise<Job> {
    return this.decide(id, 'cancel', {});
  }

  async resume(id: string, mode: JobMode, _adopt?: unknown, retryFailed = false, options: ResumeOptions = {}): Promise<Job> {
    // A job this client resumed is its own from now on: a foreground resume waits for its end.
    this.own.set(id, this.own.get(id) ?? null);
    return this.decide(id, 'resume', { mode, ...(retryFailed ? { retryFailed } : {}), ...(options.isolation ? { isolation: options.isolation } : {}), ...(options.model ? { model: options.model } : {}) });
  }

  /** Lands job `id`'s work in the server (its merge queue). */
  async merge(id: string): Promise<Job> {
    const answer = await this.request<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(id)}/merge`, {});
    return this.remember(answer.body.job);
  }

  /** Removes job `id`'s worktree and branch through the server. */
  async discard(id: string): Promise<Job> {
    const answer = await this.request<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(id)}/discard`, {});
    return this.remember(answer.body.job);
  }

  async update(id: string, change: JobChange): Promise<Job> {
    const { body } = await this.request<{ job: Job }>('PUT', `/api/jobs/${encodeURIComponent(id)}`, change);
    return this.remember(body.job);
  }

  /** Deletes each listed job that is not active; returns those removed (the others changed meanwhile). */
  async removeJobs(listed: readonly Job[]): Promise<string[]> {
    const removed: string[] = [];
    for (const job of listed) {
      const answer = await this.request<{ removed: string[] }>('DELETE', `/api/jobs/${encodeURIComponent(job.id)}`).catch(() => null);
      for (const id of answer?.body.removed ?? []) {
        removed.push(id);
        this.jobs.delete(id);
      }
    }
    return removed;
  }

  async whenReady(): Promise<void> {}

  /** Resolves when no job this client submitted is active. */
  whenIdle(): Promise<void> {
    return this.waitFor(false);
  }

  /** Resolves when no job this client submitted is queued or running. */
  whenNothingRuns(): Promise<void> {
    return this.waitFor(true);
  }

  // Removals are the server's: it keeps a job's files while a client shows its end.
  holdRemovals(): () => void {
    return () => {};
  }

  /** Stops following the server; its jobs go on. Marks nothing. */
  async shutdown(): Promise<string[]> {
    this.isClosed = true;
    this.watch.stop();
    return [];
  }

  interruptActiveSync(): string[] {
    return [];
  }

  /** False: leaving an attached session stops nothing, so there is nothing to confirm. */
  hasActiveJobs(): boolean {
    return false;
  }

  /** Jobs of the server still active (to say what keeps running when the client leaves). */
  activeJobs(): Job[] {
    return this.list().filter((job) => isActiveStatus(job.status));
  }

  private async decide(id: string, verb: 'approve' | 'retry' | 'cancel' | 'resume', body: Record<string, unknown>): Promise<Job> {
    const answer = await this.request<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(id)}/${verb}`, body);
    return this.remember(answer.body.job);
  }

  // A request to the server; one that finds no server looks whether it went (then the session
  // ends, and reports its jobs' ends) before the error reaches the caller.
  private async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    try {
      return await this.client.request<T>(method, path, body);
    } catch (error) {
      if (error instanceof ServerError && error.code === 'SERVER_UNREACHABLE') this.watch.check();
      throw error;
    }
  }

  // The server went: its active jobs are read again from the jobs folder (reading one whose owner
  // died records its interruption), and each end is reported as if heard from the server. A job
  // whose end was heard already (a server stopped by a signal marks its jobs before it exits) is
  // not reported twice.
  private async reportGone(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const active = this.list().filter((job) => isActiveStatus(job.status));
    this.options.onGone?.({ pid: this.serverPid, activeJobs: active });
    for (const job of active) {
      const stored = await this.options.folder.load(job.id).catch(() => null);
      if (!stored || isActiveStatus(stored.status)) continue;
      const events = await this.options.folder.readEvents(job.id).catch((): JobEvent[] => []);
      const event = events.findLast((candidate) => candidate.type === stored.status) ?? { ts: stored.endedAt ?? new Date().toISOString(), type: stored.status as JobEvent['type'], ...(stored.error ? { reason: stored.error } : {}) };
      this.jobs.set(job.id, stored);
      this.checkWaiters();
      this.emit('jobEvent', stored, event);
    }
  }

  // Keeps the newest state of `job` (by its event sequence: answers and events may cross).
  private remember(job: Job): Job {
    const known = this.jobs.get(job.id);
    if (!known || job.eventSeq >= known.eventSeq) this.jobs.set(job.id, job);
    this.checkWaiters();
    return this.jobs.get(job.id)!;
  }

  private waitFor(isNothingRunning: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push({ isNothingRunning, resolve });
      this.checkWaiters();
    });
  }

  private checkWaiters(): void {
    const ownJobs = [...this.own.keys()].map((id) => this.jobs.get(id)).filter((job): job is Job => job !== undefined);
    for (const waiter of [...this.idleWaiters]) {
      const isDone = ownJobs.every((job) => !isActiveStatus(job.status) || (waiter.isNothingRunning && job.status === 'awaiting_approval'));
      if (!isDone) continue;
      this.idleWaiters.splice(this.idleWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  private hear(event: ServerEvent): void {
    const data = event.data as { job?: Job; event?: JobEvent; jobId?: string; lines?: string[]; lineCount?: number; taskId?: string; icon?: string; text?: string; message?: string };
    if (this.isClosed) return;
    switch (event.name) {
      case 'job':
        if (data.job && data.event) this.emit('jobEvent', this.remember(data.job), data.event);
        break;
      case 'removed':
        if (data.jobId) {
          this.jobs.delete(data.jobId);
          this.emit('jobRemoved', data.jobId);
        }
        break;
      case 'output':
        if (data.job && data.lines) this.emit('jobOutput', this.remember(data.job), data.lines, data.lineCount ?? data.lines.length, data.taskId);
        break;
      case 'activity':
        if (data.job) this.emit('jobActivity', this.remember(data.job), data.icon ?? '', data.text ?? '', data.taskId);
        break;
      case 'text':
        if (data.job && data.text) this.emit('jobText', this.remember(data.job), data.text, data.taskId);
        break;
      case 'progress':
        if (data.job) this.emit('jobProgress', this.remember(data.job));
        break;
      case 'warning':
        if (data.message) this.emit('warning', data.message);
        break;
      case 'reset':
        // Events were missed (the server restarted, or the client was away long): read the state again.
        void this.request<{ jobs: Job[] }>('GET', `/api/jobs?status=${ACTIVE_STATUSES.join(',')}`).then(({ body }) => {
          for (const job of body.jobs) this.remember(job);
        }, () => {});
        break;
    }
  }
}
