// The REPL's session: `jobline serve`'s while one runs on the jobs folder (a RemoteSession), this
// process's own otherwise (a JobManager on the same folder), switching as servers come and go.
// A server that goes is replaced at once by a local session, so the REPL goes on: what it runs
// next runs here, and the server's jobs read as what they are on disk (interrupted, resumable).
// A server that (re)appears is attached to only while this process runs no job of its own: a
// local job would otherwise be left without its owner's terminal, or split from the jobs that
// follow it; until then the server is announced once, and attached to as soon as the local jobs end.
import { ManagerError } from '../errors.js';
import { EventEmitter } from 'node:events';
import type { AgentSpec } from '../agents/agent.js';
import { ServerError } from '../store/server-presence.js';
import { isActiveStatus, isExternalJob, type Job, type JobMode } from '../jobs/model/job.js';
import type { TaskBoard } from '../jobs/model/task.js';
import type { AdoptedRun, JobManagerEvents, SubmitRequest, SubmitResult } from '../jobs/service/manager-api.js';
import type { JobChange, ResumeOptions, SessionPort, WorkersPort } from '../jobs/service/session-port.js';
import type { RemoteSession } from './remote-session.js';

const SESSION_EVENTS = ['jobEvent', 'jobOutput', 'jobActivity', 'jobText', 'jobProgress', 'jobRemoved', 'warning'] as const;

/** How often a local session looks for a server on the jobs folder (ms). */
const LOOK_FOR_SERVER_MS = 500;
/** How long a submission that found no server waits for it to be gone before failing (ms). */
const SUBMIT_FAILOVER_MS = 2500;

/**
 * A change of session, as the REPL tells it: the server went (`lost`: jobs now run here), a
 * server runs but this session's own jobs keep it local for now (`available`, said once per
 * server), or the session attached to a server (`attached`, with the server's active jobs).
 */
export type SessionChange =
  /** `hadActiveJobs`: the server ran jobs when it went (they read interrupted now). */
  | { type: 'lost'; pid: number; hadActiveJobs: boolean }
  | { type: 'available'; pid: number; activeJobs: number }
  /** `note`: what the user should know of how the server runs jobs (its queue is not the one asked for). */
  | { type: 'attached'; pid: number; activeJobs: Job[]; note?: string };

/** What a failover session is built from (the composition root's wiring). */
export interface FailoverOptions {
  /** The pid of the server that runs on the jobs folder now, or null. Cheap: called twice a second. */
  findServer(): number | null;
  /**
   * Attaches to the server on the jobs folder; null when none runs or it does not answer.
   * `onGone` must be called when that server goes (see RemoteSessionOptions.onGone).
   */
  attach(onGone: () => void): Promise<RemoteSession | null>;
  /** A session whose jobs run in this process, on the same jobs folder. */
  startLocal(): SessionPort;
  /** Hears each change, as it happens (a lost server: before its jobs' ends are reported). */
  onChange(change: SessionChange): void;
}

/** A SessionPort that is the server's while one runs, and this process's otherwise. */
export class FailoverSession extends EventEmitter<JobManagerEvents> implements SessionPort {
  private current: SessionPort;
  private remote: RemoteSession | null = null;
  private readonly lookout: NodeJS.Timeout;
  private isLooking = false;
  private isClosed = false;
  /** Submissions in flight: while one is, the session stays as it is (its job is on its way). */
  private submitting = 0;
  private announcedPid: number | null = null;
  private switched: { promise: Promise<void>; resolve: () => void };

  private constructor(private readonly options: FailoverOptions, first: SessionPort, remote: RemoteSession | null) {
    super();
    this.switched = nextSwitch();
    this.current = first;
    this.remote = remote;
    this.listen(first);
    this.lookout = setInterval(() => void this.lookForServer(), LOOK_FOR_SERVER_MS);
    this.lookout.unref();
  }

  /** Attaches to the server on the jobs folder if one answers, else starts a local session. */
  static async start(options: FailoverOptions): Promise<FailoverSession> {
    let session: FailoverSession | null = null;
    let remote: RemoteSession | null = null;
    remote = await options.attach(() => session?.lose(remote!));
    session = new FailoverSession(options, remote ?? options.startLocal(), remote);
    // Gone while the session was being built: lose it now.
    if (remote?.isServerGone) session.lose(remote);
    return session;
  }

  get workers(): WorkersPort {
    return this.current.workers;
  }

  /** The server whose session this is now, or undefined while jobs run here. */
  get attachedTo(): { pid: number } | undefined {
    return this.current.attachedTo;
  }

  has(id: string): boolean {
    return this.current.has(id);
  }

  get(id: string): Job {
    return this.current.get(id);
  }

  list(): Job[] {
    return this.current.list();
  }

  boardOf(id: string): TaskBoard | null {
    return this.current.boardOf(id);
  }

  agentOf(id: string): AgentSpec | null {
    return this.current.agentOf(id);
  }

  /**
   * Submits to the current session. A submission that finds the server gone, or going (it stops
   * answering a moment before it exits), runs here once it has gone: the request never reached it.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const session = this.current;
    this.submitting++;
    try {
      return await session.submit(request);
    } catch (error) {
      const remote = this.remote;
      if (session !== remote || !remote || !hasNotReachedServer(error)) throw error;
      if (!(await remote.whenServerGone(SUBMIT_FAILOVER_MS)) || this.current === remote) throw error;
      return await this.current.submit(request);
    } finally {
      this.submitting--;
    }
  }

  approve(id: string): Promise<Job> {
    return this.current.approve(id);
  }

  retry(id: string, feedback?: string | null, keep?: boolean): Promise<Job> {
    return this.current.retry(id, feedback, keep);
  }

  cancel(id: string): Promise<Job> {
    return this.current.cancel(id);
  }

  resume(id: string, mode: JobMode, adopt?: (stored: Job) => Promise<AdoptedRun> | AdoptedRun, retryFailed = false, options: ResumeOptions = {}): Promise<Job> {
    return this.current.resume(id, mode, adopt, retryFailed, options);
  }

  update(id: string, change: JobChange): Promise<Job> {
    return this.current.update(id, change);
  }

  removeJobs(listed: readonly Job[]): Promise<string[]> {
    return this.current.removeJobs(listed);
  }

  merge(id: string): Promise<Job> {
    return this.current.merge ? this.current.merge(id) : Promise.reject(new ManagerError('NO_WORKTREES', 'This session has no worktrees.'));
  }

  discard(id: string): Promise<Job> {
    return this.current.discard ? this.current.discard(id) : Promise.reject(new ManagerError('NO_WORKTREES', 'This session has no worktrees.'));
  }

  // A server resolves a conflict through its own retry (its service routes it).
  resolveConflict(id: string, feedback: string | null, adopt?: (stored: Job) => Promise<AdoptedRun> | AdoptedRun): Promise<Job> {
    return this.current.resolveConflict ? this.current.resolveConflict(id, feedback, adopt) : this.current.retry(id, feedback);
  }

  recoverLanding(job: Job): Promise<Job> {
    return this.current.recoverLanding ? this.current.recoverLanding(job) : Promise.resolve(job);
  }

  async adoptExternal(id: string, adopt: (stored: Job) => Promise<AdoptedRun> | AdoptedRun): Promise<void> {
    await this.current.adoptExternal?.(id, adopt);
  }

  whenReady(): Promise<void> {
    return this.current.whenReady();
  }

  /** Resolves when the current session is idle (waiting on again if the session changes meanwhile). */
  whenIdle(): Promise<void> {
    return this.acrossChanges((session) => session.whenIdle());
  }

  /** Resolves when nothing runs in the current session (see whenIdle). */
  whenNothingRuns(): Promise<void> {
    return this.acrossChanges((session) => session.whenNothingRuns());
  }

  holdRemovals(): () => void {
    return this.current.holdRemovals();
  }

  /** Ends the session: stops looking for servers, and ends the current session (see SessionPort.shutdown). */
  async shutdown(reason?: string): Promise<string[]> {
    this.isClosed = true;
    clearInterval(this.lookout);
    return this.current.shutdown(reason);
  }

  interruptActiveSync(reason?: string): string[] {
    return this.current.interruptActiveSync(reason);
  }

  hasActiveJobs(): boolean {
    return this.current.hasActiveJobs();
  }

  // The server went: jobs run here from now on. The change is told before the server's jobs'
  // ends are reported (the remote session reports them after its onGone).
  private lose(remote: RemoteSession): void {
    if (this.isClosed || this.current !== remote) return;
    const hadActiveJobs = remote.hasActiveJobs();
    const local = this.options.startLocal();
    this.listen(local);
    this.switchTo(local);
    this.remote = null;
    this.announcedPid = null;
    this.options.onChange({ type: 'lost', pid: remote.serverPid, hadActiveJobs });
  }

  // A server on the jobs folder is attached to when this session runs none of its own jobs;
  // otherwise it is announced once, and attached to once they end.
  private async lookForServer(): Promise<void> {
    if (this.isClosed || this.isLooking || this.remote) return;
    const pid = this.options.findServer();
    if (pid === null) return;
    const local = this.current;
    if (this.submitting > 0) return;
    if (local.hasActiveJobs()) {
      if (this.announcedPid !== pid) {
        this.announcedPid = pid;
        this.options.onChange({ type: 'available', pid, activeJobs: local.list().filter((job) => isActiveStatus(job.status) && !isExternalJob(job)).length });
      }
      return;
    }
    this.isLooking = true;
    try {
      let remote: RemoteSession | null = null;
      remote = await this.options.attach(() => this.lose(remote!));
      if (!remote) return;
      // A job submitted here meanwhile keeps the session local (it runs here); look again later.
      if (this.isClosed || this.submitting > 0 || local.hasActiveJobs() || remote.isServerGone) {
        await remote.shutdown();
        return;
      }
      this.listen(remote);
      this.remote = remote;
      this.switchTo(remote);
      this.announcedPid = null;
      await local.shutdown();
      this.options.onChange({ type: 'attached', pid: remote.serverPid, activeJobs: remote.list().filter((job) => isActiveStatus(job.status)) });
    } finally {
      this.isLooking = false;
    }
  }

  private switchTo(session: SessionPort): void {
    this.current = session;
    const { resolve } = this.switched;
    this.switched = nextSwitch();
    resolve();
  }

  // Every event of a session this one holds or held reaches its listeners: a server that went
  // reports its jobs' ends after the switch.
  private listen(session: SessionPort): void {
    for (const name of SESSION_EVENTS) session.on(name, (...args: unknown[]) => (this.emit as (name: string, ...rest: unknown[]) => boolean)(name, ...args));
  }

  private async acrossChanges(wait: (session: SessionPort) => Promise<void>): Promise<void> {
    for (;;) {
      const session = this.current;
      const { promise } = this.switched;
      await Promise.race([wait(session), promise]);
      if (this.current === session) return;
    }
  }
}

// A request that never reached the server: its socket is gone or refuses (not one cut off midway,
// which the server may have carried out).
function hasNotReachedServer(error: unknown): boolean {
  if (!(error instanceof ServerError) || error.code !== 'SERVER_UNREACHABLE') return false;
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

function nextSwitch(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
