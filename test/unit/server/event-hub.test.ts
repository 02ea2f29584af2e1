// The event stream's memory: replays what came after a held id, in order; an id it dropped (or
// never had) asks the client to reload; listeners hear every event once.
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../src/server/event-hub.js';
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
