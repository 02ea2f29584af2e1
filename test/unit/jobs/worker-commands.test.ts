// The workers' commands carried to a session's workers as given: the typed job name resolved first,
// each command's fields passed on (a close without a reason says null), what each returns; a job the
// session does not hold taken in first where the session can, and never where it cannot; a command
// without a job, or of an unknown type, refused by name.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/model/job.js';
import type { JobCommand } from '../../../src/jobs/service/job-commands.js';
import type { SessionPort } from '../../../src/jobs/service/session-port.js';
import { dispatchWorkerCommand, type WorkerDispatchContext } from '../../../src/jobs/service/worker-dispatch.js';
import { makeJob } from '../../helpers/jobs.js';

const ID = 'job-abcd1234';

function sessionOf(options: { isHeld?: boolean; canAdopt?: boolean } = {}) {
  const calls: unknown[][] = [];
  const job = makeJob({ id: ID, status: 'running' });
  const record = (name: string, result: unknown) => async (...args: unknown[]) => {
    calls.push([name, ...args]);
    return result;
  };
  const session = {
    has: (id: string) => (options.isHeld ?? true) && id === ID,
    get: (id: string) => {
      calls.push(['get', id]);
      return job;
    },
    workers: {
      join: record('join', { worker: { name: 'dev-1' }, leaseExpiresAtMs: 5 }),
      leave: record('leave', undefined),
      heartbeat: record('heartbeat', 42),
      claim: record('claim', null),
      endTask: record('endTask', { id: 't1' }),
      addTasks: record('addTasks', [{ id: 't9' }]),
      close: record('close', undefined),
    },
    ...(options.canAdopt === false ? {} : { adoptExternal: record('adoptExternal', undefined) }),
  } as unknown as SessionPort;
  const context: WorkerDispatchContext = {
    resolve: async (input: string) => {
      calls.push(['resolve', input]);
      return ID;
    },
    adopt: async (stored: Job) => ({ stored }) as never,
  };
  return { session, context, calls, job };
}

describe('dispatchWorkerCommand', () => {
  it('passes each command on to the workers, with the resolved id, and returns what the caller gets', async () => {
    const { session, context, calls, job } = sessionOf();
    const run = (command: JobCommand) => dispatchWorkerCommand(session, command, context);
    expect(await run({ type: 'join', jobId: 'night', agent: 'dev' })).toEqual({ worker: { name: 'dev-1' }, leaseExpiresAtMs: 5 });
    expect(await run({ type: 'leave', jobId: 'night', worker: 'dev-1' })).toBe(job);
    expect(await run({ type: 'heartbeat', jobId: 'night', worker: 'dev-1', token: 'tok' })).toEqual({ leaseExpiresAtMs: 42 });
    expect(await run({ type: 'claim', jobId: 'night', worker: 'dev-1', files: ['a.ts'] })).toBeNull();
    expect(await run({ type: 'completeTask', jobId: 'night', taskId: 't1', worker: 'dev-1', token: 'tok', summary: 'ok', filesModified: ['a.ts'] })).toEqual({ id: 't1' });
    expect(await run({ type: 'failTask', jobId: 'night', taskId: 't1', worker: 'dev-1', token: 'tok', reason: 'flaky' })).toEqual({ id: 't1' });
    expect(await run({ type: 'addTasks', jobId: 'night', tasks: [] })).toEqual([{ id: 't9' }]);
    expect(await run({ type: 'close', jobId: 'night', status: 'failed', reason: 'gave up' })).toBe(job);
    expect(await run({ type: 'close', jobId: 'night', status: 'completed' })).toBe(job);
    expect(calls.filter((call) => call[0] !== 'resolve')).toEqual([
      ['join', ID, 'dev'],
      ['leave', ID, 'dev-1'], ['get', ID],
      ['heartbeat', ID, 'dev-1', 'tok'],
      ['claim', ID, 'dev-1', ['a.ts']],
      ['endTask', ID, 't1', { worker: 'dev-1', token: 'tok', summary: 'ok', filesModified: ['a.ts'] }],
      ['endTask', ID, 't1', { worker: 'dev-1', token: 'tok', error: 'flaky' }],
      ['addTasks', ID, []],
      ['close', ID, 'failed', 'gave up'], ['get', ID],
      ['close', ID, 'completed', null], ['get', ID],
    ]);
    expect(calls.filter((call) => call[0] === 'resolve')).toHaveLength(9);
  });

  it('takes a job it does not hold into the session first, where the session can; a held one is not taken again', async () => {
    const away = sessionOf({ isHeld: false });
    await dispatchWorkerCommand(away.session, { type: 'claim', jobId: 'job-abcd', worker: 'dev-1' }, away.context);
    expect(away.calls.map((call) => call[0])).toEqual(['resolve', 'adoptExternal', 'claim']);
    expect(away.calls[1]).toEqual(['adoptExternal', ID, away.context.adopt]);
    const held = sessionOf();
    await dispatchWorkerCommand(held.session, { type: 'claim', jobId: 'job-abcd', worker: 'dev-1' }, held.context);
    expect(held.calls.map((call) => call[0])).toEqual(['resolve', 'claim']);
    // A session whose jobs run elsewhere takes nothing in: the command goes to its workers as it is.
    const remote = sessionOf({ isHeld: false, canAdopt: false });
    await dispatchWorkerCommand(remote.session, { type: 'claim', jobId: 'job-abcd', worker: 'dev-1' }, remote.context);
    expect(remote.calls.map((call) => call[0])).toEqual(['resolve', 'claim']);
  });

  it('refuses a command without a job, and one of a type it does not know, by name', async () => {
    const { session, context, calls } = sessionOf();
    await expect(dispatchWorkerCommand(session, { type: 'frob' } as unknown as JobCommand, context)).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND', message: 'Unknown command "frob".' });
    expect(calls).toEqual([]);
    await expect(dispatchWorkerCommand(session, { type: 'frob', jobId: ID } as unknown as JobCommand, context)).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND', message: 'Unknown command "frob".' });
  });
});
