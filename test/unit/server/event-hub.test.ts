// The event stream's memory: replays what came after a held id, in order; an id it dropped (or
// never had) asks the client to reload; listeners hear every event once.
import { describe, expect, it } from 'vitest';
import { EventHub, frameOf } from '../../../src/server/event-hub.js';
import type { JobUpdate } from '../../../src/jobs/service/job-commands.js';
import { makeJob } from '../../helpers/jobs.js';

const job = makeJob({ id: 'job-aaaa1111' });
const update = (seq: number): JobUpdate => ({ type: 'event', job, event: { ts: '2026-12-02T08:00:00.000Z', type: 'task_completed', seq } });

describe('EventHub', () => {
  it('replays the events after a held id, and then hands on new ones', () => {
    const hub = new EventHub(10);
    for (let seq = 1; seq <= 25; seq++) hub.accept(update(seq));
    const heard: string[] = [];
    const { replay, stop } = hub.listen((event) => heard.push(event.id), 'job-aaaa1111:22');
    expect('events' in replay && replay.events.map((event) => event.id)).toEqual(['job-aaaa1111:23', 'job-aaaa1111:24', 'job-aaaa1111:25']);
    hub.accept(update(26));
    stop();
    hub.accept(update(27));
    expect(heard).toEqual(['job-aaaa1111:26']);
  });

  it('asks for a reload when the id was dropped or never held', () => {
    const hub = new EventHub(10);
    for (let seq = 1; seq <= 25; seq++) hub.accept(update(seq));
    expect(hub.listen(() => {}, 'job-aaaa1111:3').replay).toEqual({ reset: true });
    expect(hub.listen(() => {}, 'job-bbbb2222:1').replay).toEqual({ reset: true });
  });

  it('streams removals, and nothing of live output', () => {
    const hub = new EventHub();
    const heard: string[] = [];
    hub.listen((event) => heard.push(`${event.name} ${event.id}`));
    hub.accept({ type: 'output', job, lines: ['x'], lineCount: 1 });
    hub.accept({ type: 'removed', jobId: job.id });
    expect(heard).toEqual(['removed job-aaaa1111:removed']);
  });
});

describe('EventHub, its bounds and its live events', () => {
  it('holds exactly its capacity, then drops the oldest tenth at once', () => {
    const hub = new EventHub(20);
    for (let seq = 1; seq <= 20; seq++) hub.accept(update(seq));
    // Twenty held: the first is still there to replay from.
    const full = hub.listen(() => {}, 'job-aaaa1111:1').replay;
    expect('events' in full && full.events.map((event) => event.id.split(':')[1])).toEqual(Array.from({ length: 19 }, (_, i) => String(i + 2)));
    hub.accept(update(21));
    // The 21st drops the two oldest (a tenth of 20): 3 on is held.
    expect(hub.listen(() => {}, 'job-aaaa1111:2').replay).toEqual({ reset: true });
    const after3 = hub.listen(() => {}, 'job-aaaa1111:3').replay;
    expect('events' in after3 && after3.events.map((event) => event.id)).toEqual(Array.from({ length: 18 }, (_, i) => `job-aaaa1111:${i + 4}`));
  });

  it('replays a repeated id from its latest place, after its earlier one was dropped', () => {
    const hub = new EventHub(10);
    hub.accept({ type: 'removed', jobId: 'job-bbbb2222' });
    for (let seq = 1; seq <= 9; seq++) hub.accept(update(seq));
    hub.accept({ type: 'removed', jobId: 'job-bbbb2222' }); // the 11th: the first removal is dropped
    expect(hub.listen(() => {}, 'job-aaaa1111:1').replay).toEqual({ events: expect.any(Array) });
    const replay = hub.listen(() => {}, 'job-bbbb2222:removed').replay;
    expect(replay).toEqual({ events: [] });
    hub.accept(update(10));
    const later = hub.listen(() => {}, 'job-bbbb2222:removed').replay;
    expect('events' in later && later.events.map((event) => event.id)).toEqual(['job-aaaa1111:10']);
  });

  it('hands live output, activity, a model\'s text, progress and warnings to live listeners only, each with its data', () => {
    const hub = new EventHub();
    const live: Array<{ name: string; id: string; jobId: string; data: unknown }> = [];
    const quiet: string[] = [];
    hub.listen((event) => live.push({ name: event.name, id: event.id, jobId: event.jobId, data: event.data }), undefined, true);
    hub.listen((event) => quiet.push(event.name));
    hub.accept({ type: 'output', job, lines: ['a'], lineCount: 4, taskId: 't2' });
    hub.accept({ type: 'activity', job, icon: '⚙', text: 'reading' });
    hub.accept({ type: 'activity', job, icon: '⚙', text: 'writing', taskId: 't3' });
    hub.accept({ type: 'text', job, text: 'Hello' });
    hub.accept({ type: 'text', job, text: 'there', taskId: 't1' });
    hub.accept({ type: 'progress', job });
    hub.accept({ type: 'warning', message: 'disk almost full' });
    expect(live).toEqual([
      { name: 'output', id: '', jobId: job.id, data: { jobId: job.id, job, lines: ['a'], lineCount: 4, taskId: 't2' } },
      { name: 'activity', id: '', jobId: job.id, data: { jobId: job.id, job, icon: '⚙', text: 'reading' } },
      { name: 'activity', id: '', jobId: job.id, data: { jobId: job.id, job, icon: '⚙', text: 'writing', taskId: 't3' } },
      { name: 'text', id: '', jobId: job.id, data: { jobId: job.id, job, text: 'Hello' } },
      { name: 'text', id: '', jobId: job.id, data: { jobId: job.id, job, text: 'there', taskId: 't1' } },
      { name: 'progress', id: '', jobId: job.id, data: { jobId: job.id, job } },
      { name: 'warning', id: '', jobId: '', data: { jobId: '', message: 'disk almost full' } },
    ]);
    expect(quiet).toEqual([]);
  });
});

describe('frameOf', () => {
  it('is the event as one Server-Sent Events frame, made once per event', () => {
    const event = { id: 'job-aaaa1111:3', name: 'removed' as const, jobId: 'job-aaaa1111', data: { jobId: 'job-aaaa1111' } };
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    expect(text(frameOf(event))).toBe('event: removed\ndata: {"jobId":"job-aaaa1111"}\nid: job-aaaa1111:3\n\n');
    // The same event's frame is not made again (a second scrubber is not applied).
    expect(text(frameOf(event, () => 'changed'))).toBe('event: removed\ndata: {"jobId":"job-aaaa1111"}\nid: job-aaaa1111:3\n\n');
    const live = { id: '', name: 'warning' as const, jobId: '', data: { jobId: '', message: 'key sk-123' } };
    expect(text(frameOf(live, (data) => data.replace('sk-123', '***')))).toBe('event: warning\ndata: {"jobId":"","message":"key ***"}\n\n');
  });
});
