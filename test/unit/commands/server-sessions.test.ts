// What a command and the REPL say of the server on the jobs folder: a command given a queue the
// server does not use runs its job itself, and says why; an attached REPL says the same once; a
// REPL whose server stopped says its jobs were interrupted only when it ran some.
import { describe, expect, it } from 'vitest';
import { describeQueueMismatch } from '../../../src/commands/context.js';
import { formatSessionChange } from '../../../src/repl/server-notices.js';

const queue = { url: 'redis://:secret@10.0.0.5:6379/0', prefix: 'jobline' } as never;

describe('describeQueueMismatch', () => {
  it('is null for a command given no queue, whatever the server does', () => {
    expect(describeQueueMismatch({ queue: null }, { pid: 7, queue: null })).toBeNull();
    expect(describeQueueMismatch({ queue: null }, { pid: 7, queue: 'redis://10.0.0.5:6379/0 (prefix jobline)' })).toBeNull();
  });

  it('is null for the queue the server uses (the password never counts)', () => {
    expect(describeQueueMismatch({ queue }, { pid: 7, queue: 'redis://10.0.0.5:6379/0 (prefix jobline)' })).toBeNull();
  });

  it('names the server, where its runs go and the queue asked for, without a password', () => {
    expect(describeQueueMismatch({ queue }, { pid: 7, queue: null })).toBe('jobline serve (pid 7) on this jobs folder sends runs to its own threads, not to redis://10.0.0.5:6379/0 (prefix jobline)');
    expect(describeQueueMismatch({ queue }, { pid: 7 })).toContain('to its own threads');
    expect(describeQueueMismatch({ queue: { url: 'redis://10.0.0.5:6379/0', prefix: 'other' } as never }, { pid: 7, queue: 'redis://10.0.0.5:6379/0 (prefix jobline)' })).toBe('jobline serve (pid 7) on this jobs folder sends runs to redis://10.0.0.5:6379/0 (prefix jobline), not to redis://10.0.0.5:6379/0 (prefix other)');
  });
});

describe('formatSessionChange', () => {
  it('says an attached server\'s note after the attach line', () => {
    const lines = formatSessionChange({ type: 'attached', pid: 7, activeJobs: [], note: 'runs go elsewhere' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('attached to jobline serve (pid 7)');
    expect(lines[1]).toContain('runs go elsewhere');
    expect(formatSessionChange({ type: 'attached', pid: 7, activeJobs: [] })).toHaveLength(1);
  });
});

describe('a server that stopped', () => {
  it('says its jobs were interrupted only when it ran some', () => {
    expect(formatSessionChange({ type: 'lost', pid: 7, hadActiveJobs: true })[0]).toContain('its jobs were interrupted (/resume ID)');
    const idle = formatSessionChange({ type: 'lost', pid: 7, hadActiveJobs: false })[0]!;
    expect(idle).toContain('jobline serve (pid 7) stopped: going on without it (new jobs run here)');
    expect(idle).not.toContain('interrupted');
  });
});
