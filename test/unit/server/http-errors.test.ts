// How a refusal reads over HTTP: each error code's status, a full disk's 507, the one body shape
// `{ error: { code, message, ...details } }`, and a program error as 500 INTERNAL.
import { describe, expect, it } from 'vitest';
import { AgentError, JoblineError, StoreError } from '../../../src/errors.js';
import { describeHttpError, HttpError, statusOfCode } from '../../../src/server/http-errors.js';

describe('statusOfCode', () => {
  it('gives each code its status, and 500 to a code that is not the client\'s doing', () => {
    const expected: Record<number, string[]> = {
      400: ['BAD_REQUEST', 'USAGE', 'JOB_ID_AMBIGUOUS', 'TASK_AMBIGUOUS', 'AGENT_UNKNOWN', 'AGENT_INVALID', 'JOB_NAME_INVALID', 'TEMPLATE_UNKNOWN', 'TEMPLATE_INVALID', 'FILES_INVALID', 'NOT_A_REPOSITORY'],
      401: ['UNAUTHORIZED', 'LOGIN_LINK_REFUSED'],
      403: ['CROSS_ORIGIN'],
      404: ['NOT_FOUND', 'JOB_NOT_FOUND', 'TASK_NOT_FOUND', 'WORKER_NOT_IN_JOB'],
      405: ['METHOD_NOT_ALLOWED'],
      409: ['JOB_NOT_AWAITING_APPROVAL', 'APPROVAL_STALE', 'JOB_NOT_ACTIVE', 'JOB_ACTIVE', 'JOB_NOT_RESUMABLE', 'JOB_OWNED_ELSEWHERE', 'JOB_PROCESSES_ALIVE', 'JOB_NOT_EXTERNAL', 'JOB_NAME_TAKEN', 'ILLEGAL_TRANSITION', 'CLAIM_CONFLICT', 'TASK_NOT_CLAIMED', 'NOT_LANDABLE', 'JOB_NOT_RESOLVABLE', 'WORKTREE_DIRTY', 'WORKTREE_TAKEN', 'NO_TARGET', 'NO_WORKTREE', 'NO_WORKTREES', 'SERVER_LISTEN'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      421: ['MISDIRECTED_REQUEST'],
      422: ['API_KEY_MISSING'],
      503: ['JOBS_BUSY', 'MANAGER_CLOSED', 'CLAIM_BUSY'],
      504: ['OWNER_DID_NOT_ACT'],
      500: ['JOB_IO', 'INTERNAL', 'JOB_FILE_CORRUPT', ''],
    };
    for (const [status, codes] of Object.entries(expected)) for (const code of codes) expect(statusOfCode(code), code).toBe(Number(status));
  });
});

describe('describeHttpError', () => {
  it('keeps a JoblineError\'s code and message, with its details beside them', () => {
    expect(describeHttpError(new AgentError('AGENT_UNKNOWN', 'There is no agent nope.'))).toEqual({ status: 400, body: { error: { code: 'AGENT_UNKNOWN', message: 'There is no agent nope.' } } });
    const conflict = new HttpError('CLAIM_CONFLICT', 'src/a.ts is claimed.', { files: ['src/a.ts'], holder: { taskId: 't1' } });
    expect(describeHttpError(conflict)).toEqual({ status: 409, body: { error: { code: 'CLAIM_CONFLICT', message: 'src/a.ts is claimed.', files: ['src/a.ts'], holder: { taskId: 't1' } } } });
    expect(new HttpError('X', 'y').details).toEqual({});
  });

  it('answers 507 to a change refused for a full disk, found at any depth of causes up to five', () => {
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    expect(describeHttpError(new StoreError('JOB_IO', 'Cannot write.', { cause: full })).status).toBe(507);
    expect(describeHttpError(new StoreError('JOB_IO', 'Cannot write: ENOSPC: no space left on device')).status).toBe(507);
    expect(describeHttpError(new StoreError('JOB_IO', 'Cannot write.', { cause: new Error('ENOSPC, no space') })).status).toBe(507);
    const deep = (depth: number): unknown => (depth === 0 ? full : new Error(`level ${depth}`, { cause: deep(depth - 1) }));
    expect(describeHttpError(new StoreError('JOB_IO', 'Cannot write.', { cause: deep(3) })).status).toBe(507);
    expect(describeHttpError(new StoreError('JOB_IO', 'Cannot write.', { cause: deep(4) })).status).toBe(500);
    expect(describeHttpError(new StoreError('JOB_IO', 'Cannot write.', { cause: Object.assign(new Error('x'), { code: 'EACCES' }) })).status).toBe(500);
    expect(describeHttpError(new JoblineError('JOBS_BUSY', 'busy', { cause: 'just text' })).status).toBe(503);
  });

  it('makes anything else a 500 INTERNAL that says what happened', () => {
    expect(describeHttpError(new TypeError('x is undefined'))).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: expect.stringContaining('x is undefined') } } });
    expect(describeHttpError('a string').body.error).toEqual({ code: 'INTERNAL', message: expect.stringContaining('a string') });
  });
});
