// The streaming routes in-process (see api-harness.ts): the live event stream (what it sends, for
// one job or all, resumed after Last-Event-ID from the hub or a job's log, a reset when the id is
// gone, the live-only events on request, scrubbed, closed when a browser's key goes) and a job's
// or a task's output, read or followed.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeJob } from '../../helpers/jobs.js';
import { makeApiApp, ORIGIN } from './api-harness.js';

type Api = ReturnType<typeof makeApiApp>;

/** An open stream: `until` reads on until what came holds what is wanted (or it ends). */
async function openStream(api: Api, query = '', options: Parameters<Api['request']>[3] = {}) {
  const response = await api.request('GET', `/api/events${query}`, undefined, options);
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen = { text: '', isEnded: false };
  const until = async (isWanted: (text: string) => boolean): Promise<string> => {
    while (!isWanted(seen.text) && !seen.isEnded) {
      const chunk = await reader.read();
      if (chunk.done) seen.isEnded = true;
      else seen.text += chunk.value;
    }
    return seen.text;
  };
  return { response, seen, until, close: () => reader.cancel() };
}

// The SSE frames of `text`: name, data (parsed) and id of each.
function framesOf(text: string): Array<{ name: string; data: Record<string, unknown>; id: string | null }> {
  return text.split('\n\n').filter((frame) => frame.startsWith('event: ')).map((frame) => {
    const lines = frame.split('\n');
    return { name: lines[0]!.slice('event: '.length), data: JSON.parse(lines[1]!.slice('data: '.length)), id: lines[2]?.startsWith('id: ') ? lines[2].slice(4) : null };
  });
}

const idsOf = (text: string): Array<string | null> => framesOf(text).map((frame) => frame.id);

describe('the event stream', () => {
  it('says it is connected, then sends every job\'s lifecycle events, each with its id <job>:<seq>', async () => {
    const api = makeApiApp();
    const stream = await openStream(api);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    expect(await stream.until((text) => text.includes(': connected'))).toBe(': connected\n\n');
    const a = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    const b = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await stream.until((text) => text.includes(`id: ${b}:`));
    const frames = framesOf(stream.seen.text);
    expect(frames[0]).toMatchObject({ name: 'job', id: `${a}:1`, data: { jobId: a, job: { id: a }, event: { seq: 1 } } });
    expect(new Set(frames.map((frame) => frame.data.jobId))).toEqual(new Set([a, b]));
    await stream.close();
  });

  it('of one job sends only that job\'s events; an unknown job is 404', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    const stream = await openStream(api, `?job=${a}`);
    await stream.until((text) => text.includes(': connected'));
    const b = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await api.call('POST', `/api/jobs/${b}/close`);
    await api.call('POST', `/api/jobs/${a}/close`);
    await stream.until((text) => text.includes('"completed"'));
    expect(framesOf(stream.seen.text).map((frame) => frame.data.jobId)).toEqual(framesOf(stream.seen.text).map(() => a));
    expect(stream.seen.text).not.toContain(b);
    await stream.close();
    const unknown = await api.call('GET', '/api/events?job=job-zzzzzzzz');
    expect(unknown.status).toBe(404);
  });

  it('resumes after Last-Event-ID from the events held (the header wins over lastEventId=), or says reset', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await api.call('POST', `/api/jobs/${a}/close`);
    const held = api.hub.listen(() => {}, `${a}:1`).replay as { events: Array<{ id: string }> };
    const after = held.events.map((event) => event.id);
    expect(after.length).toBeGreaterThan(0);
    const resumed = await openStream(api, '', { headers: { 'last-event-id': `${a}:1` } });
    await resumed.until((text) => text.includes(`id: ${after.at(-1)}\n`));
    expect(idsOf(resumed.seen.text)).toEqual(after);
    await resumed.close();
    const byQuery = await openStream(api, `?lastEventId=${encodeURIComponent(`${a}:1`)}`);
    await byQuery.until((text) => text.includes(`id: ${after.at(-1)}\n`));
    expect(idsOf(byQuery.seen.text)).toEqual(after);
    await byQuery.close();
    const header = await openStream(api, `?lastEventId=${encodeURIComponent(`${a}:1`)}`, { headers: { 'last-event-id': after.at(-2)! } });
    await header.until((text) => text.includes(`id: ${after.at(-1)}\n`));
    expect(idsOf(header.seen.text)).toEqual([after.at(-1)]);
    await header.close();
    const gone = await openStream(api, '', { headers: { 'last-event-id': 'job-gone:7' } });
    const text = await gone.until((seen) => seen.includes(': connected'));
    expect(text).toBe(`event: reset\ndata: ${JSON.stringify({ reason: 'event job-gone:7 is no longer held: reload the jobs' })}\n\n: connected\n\n`);
    await gone.close();
  });

  it('of one job resumes from the job\'s log: <id>:0 from its start, each event once', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 't' }] })).body.job.id;
    const logged = (await api.service.readEvents(a)).map((event) => `${a}:${event.seq}`);
    const fromStart = await openStream(api, `?job=${a}`, { headers: { 'last-event-id': `${a}:0` } });
    await fromStart.until((text) => text.includes(': connected'));
    await api.call('POST', `/api/jobs/${a}/close`);
    await fromStart.until((text) => text.includes('"completed"'));
    const all = (await api.service.readEvents(a)).map((event) => `${a}:${event.seq}`);
    expect(idsOf(fromStart.seen.text)).toEqual(all);
    expect(all.slice(0, logged.length)).toEqual(logged);
    await fromStart.close();
    const fromSecond = await openStream(api, `?job=${a}&lastEventId=${a}:2`);
    await fromSecond.until((text) => text.includes(`id: ${all.at(-1)}\n`));
    expect(idsOf(fromSecond.seen.text)).toEqual(all.slice(2));
    await fromSecond.close();
    // Another job's id, or a seq that is not one, is not a place in this job's log: the hub's events then.
    const other = await openStream(api, `?job=${a}`, { headers: { 'last-event-id': `${a}:x` } });
    expect(await other.until((text) => text.includes(': connected'))).toContain('event: reset');
    await other.close();
    for (const seq of ['-1', '1.5']) {
      const odd = await openStream(api, `?job=${a}`, { headers: { 'last-event-id': `${a}:${seq}` } });
      expect(await odd.until((text) => text.includes(': connected')), seq).toBe(`event: reset\ndata: ${JSON.stringify({ reason: `event ${a}:${seq} is no longer held: reload the jobs` })}\n\n: connected\n\n`);
      await odd.close();
    }
  });

  it('of one job replays from its log each event whole: its name, the job and the event', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 't' }] })).body.job.id;
    await api.call('POST', `/api/jobs/${a}/close`);
    const logged = await api.service.readEvents(a);
    const stream = await openStream(api, `?job=${a}`, { headers: { 'last-event-id': `${a}:0` } });
    await stream.until((text) => text.includes(`id: ${a}:${logged.at(-1)!.seq}\n`));
    const frames = framesOf(stream.seen.text);
    expect(frames.map((frame) => frame.name)).toEqual(logged.map(() => 'job'));
    expect(frames.map((frame) => frame.data.event)).toEqual(logged);
    expect(frames.map((frame) => (frame.data.job as { id: string }).id)).toEqual(logged.map(() => a));
    expect(frames.map((frame) => frame.data.jobId)).toEqual(logged.map(() => a));
    await stream.close();
  });

  it("of one job, resumed after another job's event still held, replays only this job's events after it", async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 't' }] })).body.job.id;
    const b = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 't' }] })).body.job.id;
    await api.call('POST', `/api/jobs/${b}/close`);
    await api.call('POST', `/api/jobs/${a}/close`);
    const stream = await openStream(api, `?job=${a}`, { headers: { 'last-event-id': `${b}:1` } });
    const last = (await api.service.readEvents(a)).at(-1)!.seq;
    await stream.until((text) => text.includes(`id: ${a}:${last}\n`));
    const ids = idsOf(stream.seen.text);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id!.startsWith(`${a}:`))).toBe(true);
    // The hub's events after b:1: a's close, not a's creation (before b:1).
    expect(ids).not.toContain(`${a}:1`);
    await stream.close();
    // An id of another job that is not held: a reset, not this job's log.
    const gone = await openStream(api, `?job=${a}`, { headers: { 'last-event-id': `${b}:0` } });
    expect(await gone.until((text) => text.includes(': connected'))).toContain('event: reset');
    await gone.close();
  });

  it('sends output, activity and warnings only to a listener that asks (live=true), as events without ids', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const run = await api.executor.whenRuns(1);
    const live = await openStream(api, `?job=${a}&live=true`);
    const quiet = await openStream(api, `?job=${a}`);
    await live.until((text) => text.includes(': connected'));
    await quiet.until((text) => text.includes(': connected'));
    run.listener.output(['line one'], 1);
    api.hub.accept({ type: 'warning', message: 'disk nearly full' });
    run.complete();
    await live.until((text) => text.includes('disk nearly full') && text.includes('"phase_completed"'));
    await quiet.until((text) => text.includes('"phase_completed"'));
    const frames = framesOf(live.seen.text);
    expect(frames.find((frame) => frame.name === 'output')).toMatchObject({ id: null, data: { jobId: a, lines: ['line one'], lineCount: 1 } });
    expect(frames.find((frame) => frame.name === 'warning')).toMatchObject({ id: null, data: { message: 'disk nearly full' } });
    expect(framesOf(quiet.seen.text).map((frame) => frame.name)).toEqual(framesOf(quiet.seen.text).map(() => 'job'));
    await live.close();
    await quiet.close();
  });

  describe('with a provider key in the environment', () => {
    const KEY = 'sk-test-stream-0123456789abcdefghijklmnop';
    afterEach(() => {
      delete process.env.JOBLINE_STREAM_TEST_KEY;
    });

    it('never sends the key', async () => {
      process.env.JOBLINE_STREAM_TEST_KEY = KEY;
      const api = makeApiApp({ config: { providers: { p: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'JOBLINE_STREAM_TEST_KEY' } } } });
      const stream = await openStream(api, '?live=true');
      await stream.until((text) => text.includes(': connected'));
      api.hub.accept({ type: 'warning', message: `the key ${KEY} leaked` });
      const text = await stream.until((seen) => seen.includes('leaked'));
      expect(text).toContain('the key *** leaked');
      expect(text).not.toContain(KEY.slice(0, 12));
      await stream.close();
    });
  });

  it('of a browser ends when its key does (a log out); a script\'s with the token goes on', async () => {
    const api = makeApiApp();
    const link = (await api.call('POST', '/api/login-links', {})).body.url.slice('/login/'.length);
    const key = (await api.call('POST', '/api/login', { code: link }, { token: null })).body.key;
    const { ticket } = (await api.call('POST', '/api/event-tickets', {}, { token: key, headers: { origin: ORIGIN } })).body;
    const browser = await openStream(api, `?ticket=${ticket}`, { token: null });
    const script = await openStream(api);
    await browser.until((text) => text.includes(': connected'));
    await script.until((text) => text.includes(': connected'));
    await api.call('POST', '/api/logout', {});
    await browser.until(() => false);
    expect(browser.seen.isEnded).toBe(true);
    const a = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await script.until((text) => text.includes(a));
    expect(script.seen.isEnded).toBe(false);
    await script.close();
  });

  it('on Node\'s own server goes straight to the response: safe headers, frames in order, waits for drain, ends with the stream', async () => {
    const api = makeApiApp();
    const outgoing = new FakeResponse();
    const answer = await api.request('GET', '/api/events', undefined, { env: { outgoing } });
    expect(outgoing.head).toMatchObject({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff' } });
    expect(outgoing.isFlushed).toBe(true);
    expect(answer.status).not.toBe(404);
    await until(() => outgoing.text().includes(': connected'));
    // A full socket buffer: the stream waits for 'drain' before its next write.
    outgoing.isFull = true;
    const a = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job.id;
    await until(() => outgoing.text().includes(`${a}:1`));
    const written = outgoing.chunks.length;
    await api.call('POST', `/api/jobs/${a}/close`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outgoing.chunks.length).toBe(written);
    outgoing.isFull = false;
    outgoing.emit('drain');
    await until(() => outgoing.text().includes('"completed"'));
    expect(idsOf(outgoing.text())).toEqual((await api.service.readEvents(a)).map((event) => `${a}:${event.seq}`));
    expect(outgoing.listenerCount('drain')).toBe(0);
    // The client leaves: the stream stops and the response is ended.
    outgoing.emit('close');
    await until(() => outgoing.writableEnded);
    const before = outgoing.chunks.length;
    await api.call('POST', '/api/jobs', { agent: 'external' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(outgoing.chunks.length).toBe(before);
  });
});

describe('the event streams of one moment', () => {
  it('each get their own events when a stream of one job and a stream of every job got as many, from the same first to the same last', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external' })).body.job;
    const b = makeJob({ id: 'job-bbbb2222' });
    const one = await openStream(api, `?job=${a.id}&live=true`);
    const every = await openStream(api);
    await one.until((text) => text.includes(': connected'));
    await every.until((text) => text.includes(': connected'));
    // In one turn: the first stream gets a:101, a's output, a:102; the second a:101, b:1, a:102.
    api.hub.accept({ type: 'event', job: a, event: { ts: a.createdAt, type: 'phase_started', seq: 101 } });
    api.hub.accept({ type: 'output', job: a, lines: ['building'], lineCount: 1 });
    api.hub.accept({ type: 'event', job: b, event: { ts: b.createdAt, type: 'created', seq: 1 } });
    api.hub.accept({ type: 'event', job: a, event: { ts: a.createdAt, type: 'phase_started', seq: 102 } });
    const oneText = await one.until((text) => text.includes(`${a.id}:102`));
    const everyText = await every.until((text) => text.includes(`${a.id}:102`));
    expect(framesOf(oneText).map((frame) => `${frame.name} ${frame.id}`)).toEqual([`job ${a.id}:101`, 'output null', `job ${a.id}:102`]);
    expect(framesOf(everyText).map((frame) => `${frame.name} ${frame.id}`)).toEqual([`job ${a.id}:101`, 'job job-bbbb2222:1', `job ${a.id}:102`]);
    await one.close();
    await every.close();
  });
});

describe('the event stream on Node\'s own server', () => {
  it('sends a keepalive comment every 15 s while open, and stops once the client left', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const api = makeApiApp();
      const outgoing = new FakeResponse();
      await api.request('GET', '/api/events', undefined, { env: { outgoing } });
      await until(() => outgoing.text().includes(': connected'));
      vi.advanceTimersByTime(14_999);
      expect(outgoing.text()).toBe(': connected\n\n');
      vi.advanceTimersByTime(1);
      expect(outgoing.text()).toBe(': connected\n\n: keepalive\n\n');
      outgoing.emit('close');
      await until(() => outgoing.writableEnded);
      vi.advanceTimersByTime(60_000);
      expect(outgoing.text()).toBe(': connected\n\n: keepalive\n\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('cuts off a client that reads nothing once more than 50,000 events wait for it (it resumes with Last-Event-ID)', async () => {
    const api = makeApiApp();
    const outgoing = new FakeResponse();
    await api.request('GET', '/api/events', undefined, { env: { outgoing } });
    await until(() => outgoing.text().includes(': connected'));
    outgoing.isFull = true;
    const job = makeJob({ id: 'job-aaaa1111' });
    api.hub.accept({ type: 'event', job, event: { ts: job.createdAt, type: 'created', seq: 1 } });
    await until(() => outgoing.text().includes('job-aaaa1111:1'));
    for (let seq = 2; seq <= 50_002; seq++) api.hub.accept({ type: 'event', job, event: { ts: job.createdAt, type: 'task_completed', seq } });
    outgoing.isFull = false;
    outgoing.emit('drain');
    await until(() => outgoing.writableEnded);
    const written = outgoing.chunks.length;
    // Its listener is gone: nothing more is written to it.
    api.hub.accept({ type: 'event', job, event: { ts: job.createdAt, type: 'task_completed', seq: 50_003 } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(outgoing.chunks.length).toBe(written);
    expect(outgoing.text()).not.toContain('job-aaaa1111:2\n');
  });
});

// Polls a condition the stream's own progress makes true: each step is a few microtasks away, or
// the next flush of the streams' writes (FLUSH_MS), so it polls for up to 2 s of real time.
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 2_000;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

// Node's ServerResponse as openNodeStream uses it: headers, writes (false while "full"), end.
class FakeResponse extends EventEmitter {
  head: { status: number; headers: Record<string, string> } | null = null;
  isFlushed = false;
  isFull = false;
  destroyed = false;
  writableEnded = false;
  readonly chunks: string[] = [];

  writeHead(status: number, headers: Record<string, string>): this {
    this.head = { status, headers };
    return this;
  }

  flushHeaders(): void {
    this.isFlushed = true;
  }

  write(chunk: Uint8Array | string): boolean {
    this.chunks.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
    return !this.isFull;
  }

  end(): void {
    this.writableEnded = true;
  }

  text(): string {
    return this.chunks.join('');
  }
}

describe('a job\'s output followed by a browser', () => {
  it('ends when the browser\'s key does (a log out), while the job runs on', async () => {
    const api = makeApiApp();
    const link = (await api.call('POST', '/api/login-links', {})).body.url.slice('/login/'.length);
    const key = (await api.call('POST', '/api/login', { code: link }, { token: null })).body.key;
    const a = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const run = await api.executor.whenRuns(1);
    api.outputs.set(a, ['first']);
    const followed = await api.request('GET', `/api/jobs/${a}/logs?follow=true`, undefined, { token: key });
    expect(followed.status).toBe(200);
    const reader = followed.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe('first\n');
    await api.call('POST', '/api/logout', {});
    let chunk = await reader.read();
    while (!chunk.done) chunk = await reader.read();
    expect((await api.call('GET', `/api/jobs/${a}`)).body.job.status).toBe('running');
    run.complete();
  });
});

describe('a job\'s output', () => {
  it('is its output.log, its last `lines` lines, as text', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    await api.executor.whenRuns(1);
    api.outputs.set(a, ['hello', 'world']);
    const whole = await api.call('GET', `/api/jobs/${a.slice(0, 8)}/logs`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toContain('text/plain');
    expect(whole.text).toBe('hello\nworld\n');
    expect((await api.call('GET', `/api/jobs/${a}/logs?lines=1`)).text).toBe('world\n');
    api.outputs.set(a, []);
    expect((await api.call('GET', `/api/jobs/${a}/logs`)).text).toBe('');
    for (const query of ['lines=0', 'lines=x', 'follow=yes', 'run=3', 'colour=red']) expect((await api.call('GET', `/api/jobs/${a}/logs?${query}`)).status, query).toBe(400);
    expect((await api.call('GET', '/api/jobs/job-zzzzzzzz/logs')).status).toBe(404);
  });

  it('of one task is its latest run\'s (or the run asked for); a task not run yet has none', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }, { title: 'b' }] })).body.job.id;
    const worker = (await api.call('POST', `/api/jobs/${a}/workers`, { agent: 'dev' })).body.worker;
    await api.call('POST', `/api/jobs/${a}/tasks/claim`, { worker });
    // The in-memory reader answers a run's output with the file and section it names.
    const ran = await api.call('GET', `/api/jobs/${a}/logs?task=t1`);
    expect(ran.text).toMatch(/^\S+ \S.*\n$/);
    expect((await api.call('GET', `/api/jobs/${a}/logs?task=t1&run=r1`)).text).toBe(ran.text);
    expect((await api.call('GET', `/api/jobs/${a}/logs?task=t2`)).text).toBe('');
    const noRun = await api.call('GET', `/api/jobs/${a}/logs?task=t1&run=r9`);
    expect(noRun.status).toBe(404);
    expect(noRun.body.error.code).toBe('TASK_NOT_FOUND');
    expect((await api.call('GET', `/api/jobs/${a}/logs?task=../../etc/passwd`)).body.error.code).toBe('TASK_NOT_FOUND');
  });

  it('followed, streams what is written until the run or the job ends', async () => {
    const api = makeApiApp();
    const a = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const run = await api.executor.whenRuns(1);
    api.outputs.set(a, ['first']);
    const followed = await api.request('GET', `/api/jobs/${a}/logs?follow=true&lines=5`);
    expect(followed.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const reader = followed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? '';
    expect(text).toBe('first\n');
    api.outputs.set(a, ['first', 'later']);
    run.complete();
    (await api.executor.whenRuns(2)).complete();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += chunk.value;
    expect(text).toContain('later\n');
    // A task's run followed ends with the run.
    const b = (await api.call('POST', '/api/jobs', { agent: 'two' })).body.job.id;
    const second = await api.executor.whenRuns(3);
    expect(second.request.jobId).toBe(b);
    const task = await api.request('GET', `/api/jobs/${b}/logs?task=t1&follow=true`);
    const taskReader = task.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await taskReader.read();
    expect(first.value).toMatch(/\n$/);
    // It stays open while the run runs.
    let isEnded = false;
    const ending = taskReader.read().then((chunk) => (isEnded = chunk.done === true));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(isEnded).toBe(false);
    second.complete();
    await ending;
    for (let chunk = await taskReader.read(); !chunk.done; chunk = await taskReader.read()) { /* until the run ends */ }
    // Not following, or a run that is over, is read once.
    expect((await api.call('GET', `/api/jobs/${b}/logs?task=t1&follow=true&run=r1`)).text).toMatch(/\n$/);
  });
});
