// The event streams' flushes: a quiet stream's first event goes out at the next turn, a busy
// moment's events together at most every FLUSH_MS, and streams that get the same events share
// one buffer (issue 28 §8: 200 followers must not make the server CPU-bound).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FLUSH_MS, FLUSH_MS_PER_STREAM, StreamFlusher } from '../../../src/server/stream-flush.js';
import { frameOf, type StreamEvent } from '../../../src/server/event-hub.js';

const event = (seq: number, name: StreamEvent['name'] = 'job'): StreamEvent => ({ id: name === 'job' ? `job-aaaa1111:${seq}` : '', name, jobId: 'job-aaaa1111', data: { jobId: 'job-aaaa1111', lines: [`line ${seq}`] } });
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('StreamFlusher', () => {
  let clock = 1_000;
  beforeEach(() => {
    clock = 1_000;
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'clearTimeout'] });
  });
  afterEach(() => vi.useRealTimers());

  it('flushes about once per frame of a display', () => {
    expect(FLUSH_MS).toBe(16);
  });

  it('wakes a stream at the next turn after a quiet spell, once however often it asked', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const wake = vi.fn();
    flusher.request(wake);
    flusher.request(wake);
    expect(wake).not.toHaveBeenCalled();
    vi.advanceTimersToNextTimer();
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('holds a request right after a flush for flushMs on the real clock by default', async () => {
    vi.useRealTimers();
    const flusher = new StreamFlusher();
    await new Promise<void>((resolve) => flusher.request(resolve));
    const asked = performance.now();
    await new Promise<void>((resolve) => flusher.request(resolve));
    // Node's timers count from the event loop's cached time, which may lag the real clock by a
    // few ms on a busy machine: the wait is checked well above a bare timer's 1 ms, not to the ms.
    expect(performance.now() - asked).toBeGreaterThanOrEqual(5);
  });

  it('wakes every waiting stream in the same flush', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const woken: string[] = [];
    flusher.request(() => woken.push('a'));
    flusher.request(() => woken.push('b'));
    vi.advanceTimersToNextTimer();
    expect(woken).toEqual(['a', 'b']);
  });

  it('holds a request that comes soon after a flush until flushMs after it, and then serves it', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const first = vi.fn();
    flusher.request(first);
    vi.advanceTimersToNextTimer();
    clock += 5;
    const second = vi.fn();
    flusher.request(second);
    vi.advanceTimersByTime(10);
    expect(second).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(second).toHaveBeenCalledTimes(1);
    // Long after: at the next turn again.
    clock += 100;
    const third = vi.fn();
    flusher.request(third);
    vi.advanceTimersByTime(0);
    vi.runOnlyPendingTimers();
    expect(third).toHaveBeenCalledTimes(1);
  });

  it('serves a request exactly flushMs after the last flush at the next turn, not on a timer', () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['setImmediate'] });
    const flusher = new StreamFlusher(16, () => clock);
    const first = vi.fn();
    flusher.request(first);
    vi.advanceTimersToNextTimer();
    expect(first).toHaveBeenCalledTimes(1);
    clock += 16;
    const wake = vi.fn();
    flusher.request(wake);
    vi.advanceTimersToNextTimer();
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('keeps one flush pending however many streams ask: a stream that asks again right after it waits flushMs', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const woken: string[] = [];
    flusher.request(() => woken.push('a'));
    flusher.request(() => woken.push('b'));
    vi.advanceTimersByTime(0);
    vi.runOnlyPendingTimers();
    expect(woken).toEqual(['a', 'b']);
    flusher.request(() => woken.push('c'));
    vi.advanceTimersByTime(1);
    expect(woken).toEqual(['a', 'b']);
    vi.advanceTimersByTime(15);
    expect(woken).toEqual(['a', 'b', 'c']);
  });

  it('spaces flushes by the streams the last one woke: 200 streams, 50 ms; up to 64, flushMs', () => {
    expect(FLUSH_MS_PER_STREAM * 200).toBe(50);
    expect(FLUSH_MS_PER_STREAM * 64).toBe(FLUSH_MS);
    const flusher = new StreamFlusher(16, () => clock, 0.25);
    const woken: number[] = [];
    for (let stream = 0; stream < 200; stream++) flusher.request(() => woken.push(stream));
    vi.advanceTimersToNextTimer();
    expect(woken).toHaveLength(200);
    // A flush of 200 streams: the next waits 50 ms, not 16.
    flusher.request(() => woken.push(-1));
    vi.advanceTimersByTime(49);
    expect(woken).toHaveLength(200);
    clock += 49;
    vi.advanceTimersByTime(1);
    expect(woken).toHaveLength(201);
    // That flush woke one stream: the next waits flushMs again.
    flusher.request(() => woken.push(-2));
    vi.advanceTimersByTime(15);
    expect(woken).toHaveLength(201);
    vi.advanceTimersByTime(1);
    expect(woken).toHaveLength(202);
  });

  it('keeps flushMs after a flush of 64 streams or fewer', () => {
    const flusher = new StreamFlusher(16, () => clock, 0.25);
    const woken: number[] = [];
    for (let stream = 0; stream < 64; stream++) flusher.request(() => woken.push(stream));
    vi.advanceTimersToNextTimer();
    flusher.request(() => woken.push(-1));
    vi.advanceTimersByTime(15);
    expect(woken).toHaveLength(64);
    vi.advanceTimersByTime(1);
    expect(woken).toHaveLength(65);
  });

  it('makes the bytes of a batch of events: their frames, in order', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const events = [event(1), event(2, 'output'), event(3)];
    expect(text(flusher.bytesOf(events, (t) => t, false))).toBe(events.map((e) => text(frameOf(e))).join(''));
    expect(flusher.bytesOf([events[0]!], (t) => t, true)).toBe(frameOf(events[0]!));
  });

  it('scrubs each frame it makes', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const bytes = flusher.bytesOf([event(1), event(2)], (t) => t.replace(/line/g, '[gone]'), true);
    expect(text(bytes)).toContain('[gone] 1');
    expect(text(bytes)).not.toContain('line');
  });

  it('shares one buffer between streams of every event that got the same events, and only them', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const [a, b, c] = [event(1), event(2), event(3)];
    const shared = flusher.bytesOf([a!, b!, c!], (t) => t, true);
    expect(flusher.bytesOf([a!, b!, c!], (t) => t, true)).toBe(shared);
    // Another last event, or another count, or a stream of one job: bytes of its own.
    const shorter = flusher.bytesOf([a!, b!], (t) => t, true);
    expect(shorter).not.toBe(shared);
    expect(text(shorter)).toBe(text(frameOf(a!)) + text(frameOf(b!)));
    const sameEnds = flusher.bytesOf([a!, c!], (t) => t, true);
    expect(sameEnds).not.toBe(shared);
    expect(text(sameEnds)).toBe(text(frameOf(a!)) + text(frameOf(c!)));
    expect(flusher.bytesOf([a!, b!, c!], (t) => t, false)).not.toBe(shared);
  });

  it('tells batches apart by their last event, not their second', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const [a, b, c, d] = [event(1), event(2), event(3), event(4)];
    flusher.bytesOf([a!, b!, c!], (t) => t, true);
    expect(text(flusher.bytesOf([a!, b!, d!], (t) => t, true))).toBe([a, b, d].map((e) => text(frameOf(e!))).join(''));
  });

  it('tells batches with the same ends apart by their length', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const [a, b, c] = [event(1), event(2), event(3)];
    flusher.bytesOf([a!, b!, c!], (t) => t, true);
    expect(text(flusher.bytesOf([a!, c!], (t) => t, true))).toBe(text(frameOf(a!)) + text(frameOf(c!)));
  });

  it('never hands a stream of every job the bytes of a stream of one job (its events are another choice)', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const [a, b, c, e] = [event(1), event(2, 'output'), event(3), event(5)];
    // A stream of one job that asked for live output: a, its output b, e.
    flusher.bytesOf([a!, b!, e!], (t) => t, false);
    // A stream of every job: a, another job's c, e.
    expect(text(flusher.bytesOf([a!, c!, e!], (t) => t, true))).toBe([a, c, e].map((x) => text(frameOf(x!))).join(''));
  });

  it('forgets shared buffers at the next flush', () => {
    const flusher = new StreamFlusher(16, () => clock);
    const events = [event(1), event(2)];
    const before = flusher.bytesOf(events, (t) => t, true);
    flusher.request(() => {});
    vi.runOnlyPendingTimers();
    const after = flusher.bytesOf(events, (t) => t, true);
    expect(after).not.toBe(before);
    expect(text(after)).toBe(text(before));
  });
});
