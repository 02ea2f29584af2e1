// The queue's pure parts: which settings are in force, what a run's payload carries (nothing of
// the coordinator's paths), its stream entries, the order of stream ids, and queue names by labels.
import { describe, expect, it } from 'vitest';
import { describeQueueUrl, formatRunKey, QueueKeys, resolveQueueSettings } from '../../../src/jobs/queue/queue-settings.js';
import { buildPayload, decodeEntry, encodeEntry, type StreamEntry } from '../../../src/jobs/queue/run-payload.js';
import { isAfter } from '../../../src/jobs/queue/remote-run.js';
import type { PhaseRequest } from '../../../src/jobs/ports/executor.js';
import { commandAgent } from '../../helpers/jobs.js';

describe('queue settings', () => {
  it('take --queue, then $JOBLINE_QUEUE_URL, then the config; none: no queue', () => {
    const config = { type: 'bullmq' as const, url: 'redis://config:6379/0', prefix: 'team', tls: false, passwordEnv: 'RP', globalConcurrency: 8 };
    expect(resolveQueueSettings(null, undefined, {})).toBeNull();
    expect(resolveQueueSettings(config, undefined, { RP: 'pw' })).toMatchObject({ url: 'redis://config:6379/0', prefix: 'team', password: 'pw', globalConcurrency: 8, tls: false });
    expect(resolveQueueSettings(config, undefined, { JOBLINE_QUEUE_URL: 'rediss://env:1/2' })).toMatchObject({ url: 'rediss://env:1/2', prefix: 'team', tls: true });
    expect(resolveQueueSettings(config, 'redis://flag:2/0', { JOBLINE_QUEUE_URL: 'rediss://env:1/2' })?.url).toBe('redis://flag:2/0');
    expect(resolveQueueSettings(null, 'redis://flag:2/0', {})).toMatchObject({ prefix: 'jobline', password: null, globalConcurrency: null, gitRemote: null });
    expect(() => resolveQueueSettings(null, 'http://nope', {})).toThrow('The queue URL http://nope is not a Redis URL');
  });

  it('never show a password written into the URL', () => {
    expect(describeQueueUrl('redis://:secret@host:6379/0')).toBe('redis://host:6379/0');
    expect(describeQueueUrl('rediss://user:secret@host/0')).toBe('rediss://host/0');
  });

  it('name a queue per label set (sorted) and a run by its job and run ids', () => {
    const keys = new QueueKeys('jl');
    expect(keys.queueName([])).toBe('runs');
    expect(keys.queueName(['linux', 'gpu'])).toBe('runs@gpu+linux');
    expect(keys.runStream(formatRunKey('job-ab12cd34', 'r3'))).toBe('jl:run:job-ab12cd34.r3:stream');
  });
});

describe('a run\'s payload and stream', () => {
  const request: PhaseRequest = {
    jobId: 'job-ab12cd34', runId: 'r3', taskId: 't3', prompt: 'p', agent: commandAgent('ci', { run: 'make' }), phaseIndex: 0, attempt: 1, feedback: null, previousOutputs: [],
    cwd: '/home/me/project', progress: { round: 0, toolCalls: 0, llmCalls: 0, lastEvent: null }, outputLogPath: '/home/me/jobs/job-ab12cd34/runs/r3.log', secretEnvNames: ['KEY'], maxOutputBytes: 100,
    startRecord: { path: '/home/me/jobs/job-ab12cd34/tasks.jsonl', text: '{}', runId: 'r3' }, adoptRunId: 'r1', labels: ['linux', 'gpu'],
  };

  it('carries the request without the coordinator\'s paths, its start record or what it adopts', () => {
    const payload = buildPayload('job-ab12cd34.r3', request, { kind: 'none' }, 'host-1');
    expect(payload).toMatchObject({ version: 1, runKey: 'job-ab12cd34.r3', outputFile: 'runs/r3.log', labels: ['gpu', 'linux'], workspace: { kind: 'none' } });
    expect(JSON.stringify(payload)).not.toContain('/home/me');
    expect(payload.request).not.toHaveProperty('adoptRunId');
    expect(buildPayload('k', { ...request, outputLogPath: '/x/job/output.log' }, { kind: 'none' }, 'h').outputFile).toBe('output.log');
  });

  it('encodes each entry as two fields and reads it back; an unknown one reads as null', () => {
    const entries: StreamEntry[] = [{ t: 'taken', worker: 'w' }, { t: 'log', text: 'a\nb' }, { t: 'out', lines: ['b'], count: 2 }, { t: 'progress', progress: { round: 2 } }, { t: 'activity', icon: '🔧', text: 'x' }, { t: 'end' }];
    for (const entry of entries) expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    expect(decodeEntry(['t', 'future', 'd', '{}'])).toBeNull();
    expect(decodeEntry(['t', 'log', 'd', '{torn'])).toBeNull();
  });

  it('orders stream ids by time, then sequence', () => {
    expect(isAfter('5-0', '4-9')).toBe(true);
    expect(isAfter('5-1', '5-0')).toBe(true);
    expect(isAfter('5-0', '5-0')).toBe(false);
    expect(isAfter('10-0', '9-0')).toBe(true);
    expect(isAfter('1-0', '0-0')).toBe(true);
  });
});
