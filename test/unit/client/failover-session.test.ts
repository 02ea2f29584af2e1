// FailoverSession, on fake sessions: the REPL's session is the server's while one answers and this
// process's otherwise; it says each change once, in order, and keeps waits and submissions whole
// across a change.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FailoverSession, type SessionChange } from '../../../src/client/failover-session.js';
import type { RemoteSession } from '../../../src/client/remote-session.js';
import { ApiError } from '../../../src/client/server-client.js';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobEvent } from '../../../src/jobs/model/job-event.js';
import type { SubmitRequest } from '../../../src/jobs/service/manager-api.js';
import type { SessionPort } from '../../../src/jobs/service/session-port.js';
import { ServerError } from '../../../src/store/server-presence.js';
import { waitFor } from '../../helpers/wait.js';

// The members FailoverSession uses, answering from plain fields.
class FakeSession extends EventEmitter {
  isActive = false;
  shutdowns = 0;
  submitted: string[] = [];
  submitError: Error | null = null;
  nothingRuns: Promise<void> = Promise.resolve();
  attachedTo: { pid: number } | undefined;
  isServerGone = false;
  goneWhenAsked = false;
  onGone: () => void = () => {};

  constructor(readonly name: string, readonly serverPid = 0) {
    super();
    if (serverPid) this.attachedTo = { pid: serverPid };
  }

  list(): Job[] {
    return this.isActive ? [{ id: `job-${this.name}`, status: 'running' } as Job] : [];
  }

  hasActiveJobs(): boolean {
    return this.isActive;
  }

  async submit(request: SubmitRequest): Promise<{ job: Job; queuePosition: number }> {
    if (this.submitError) throw this.submitError;
    this.submitted.push(request.prompt);
    return { job: { id: `job-${this.name}` } as Job, queuePosition: 0 };
  }

  whenNothingRuns(): Promise<void> {
    return this.nothingRuns;
  }

  async whenServerGone(): Promise<boolean> {
    if (this.goneWhenAsked) {
      this.isServerGone = true;
      this.onGone();
    }
    return this.isServerGone;
  }

  async shutdown(): Promise<string[]> {
    this.shutdowns++;
    return [];
  }
}

function build(options: { server?: () => number | null; remotes?: FakeSession[] } = {}) {
  const changes: SessionChange[] = [];
  const locals: FakeSession[] = [];
  const remotes = options.remotes ?? [];
  let attachCalls = 0;
  const start = FailoverSession.start({
    findServer: options.server ?? (() => null),
    attach: async (onGone) => {
      attachCalls++;
      const remote = remotes.shift();
      if (!remote) return null;
      remote.onGone = onGone;
      return remote as unknown as RemoteSession;
    },
    startLocal: () => {
      const local = new FakeSession(`local${locals.length + 1}`);
      locals.push(local);
      return local as unknown as SessionPort;
    },
    onChange: (change) => changes.push(change),
  });
  return { start, changes, locals, attachCalls: () => attachCalls };
}

const request = (prompt: string): SubmitRequest => ({ prompt } as SubmitRequest);

describe('FailoverSession', () => {
  it('runs here while no server answers; a server that appears is announced once while its own jobs run, and attached to when they end', async () => {
    let pid: number | null = null;
    const remote = new FakeSession('remote', 42);
    const remotes: FakeSession[] = [];
    const { start, changes, locals, attachCalls } = build({ server: () => pid, remotes });
    const session = await start;
    expect(session.attachedTo).toBeUndefined();
    expect(attachCalls()).toBe(1);
    locals[0]!.isActive = true;
    pid = 42;
    await waitFor(() => changes.length === 1, 'the server to be announced');
    expect(changes[0]).toEqual({ type: 'available', pid: 42, activeJobs: 1 });
    expect(attachCalls()).toBe(1); // not while its own job runs
    remotes.push(remote);
    locals[0]!.isActive = false;
    await waitFor(() => changes.length === 2, 'the session to attach');
    expect(changes[1]).toMatchObject({ type: 'attached', pid: 42 });
    expect(session.attachedTo).toEqual({ pid: 42 });
    expect(locals[0]!.shutdowns).toBe(1);
    await session.submit(request('there'));
    expect(remote.submitted).toEqual(['there']);
    await session.shutdown();
  });

  it('loses a server that goes: says so before the server\'s jobs\' ends reach its listeners, and runs what follows here', async () => {
    const remote = new FakeSession('remote', 7);
    const { start, changes, locals } = build({ remotes: [remote] });
    const session = await start;
    expect(session.attachedTo).toEqual({ pid: 7 });
    const heard: string[] = [];
    session.on('jobEvent', (job) => heard.push(`${job.id} ${job.status} after ${changes.map((change) => change.type).join(',')}`));
    remote.isActive = true; // it ran a job when it went
    remote.onGone();
    remote.emit('jobEvent', { id: 'job-a', status: 'interrupted' } as Job, { type: 'interrupted' } as JobEvent);
    expect(changes).toEqual([{ type: 'lost', pid: 7, hadActiveJobs: true }]);
    expect(heard).toEqual(['job-a interrupted after lost']);
    expect(session.attachedTo).toBeUndefined();
    await session.submit(request('here'));
    expect(locals[0]!.submitted).toEqual(['here']);
    remote.onGone(); // said once
    expect(changes).toHaveLength(1);
    await session.shutdown();
  });

  it('runs a submission that found the server\'s socket gone here, once the server has gone; other refusals stand', async () => {
    const remote = new FakeSession('remote', 7);
    const { start, locals } = build({ remotes: [remote] });
    const session = await start;
    remote.submitError = new ApiError('AGENT_UNKNOWN', 'no such agent', 400);
    await expect(session.submit(request('refused'))).rejects.toThrow('no such agent');
    expect(locals).toHaveLength(0);
    remote.submitError = new ServerError('SERVER_UNREACHABLE', 'does not answer', { cause: Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }) });
    remote.goneWhenAsked = true;
    const { job } = await session.submit(request('typed as it went'));
    expect(job.id).toBe('job-local1');
    expect(locals[0]!.submitted).toEqual(['typed as it went']);
    await session.shutdown();
  });

  it('keeps waiting until nothing runs across a change of session', async () => {
    const remote = new FakeSession('remote', 7);
    remote.nothingRuns = new Promise(() => {}); // the server's jobs never end as far as it knows
    const { start } = build({ remotes: [remote] });
    const session = await start;
    let isDone = false;
    const waiting = session.whenNothingRuns().then(() => (isDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isDone).toBe(false);
    remote.onGone();
    await waiting;
    await session.shutdown();
  });
});
