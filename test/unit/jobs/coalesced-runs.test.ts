import { describe, expect, it } from 'vitest';
import { CoalescedRuns } from '../../../src/jobs/service/coalesced-runs.js';

describe('CoalescedRuns', () => {
  it('runs once for all requests made while a run is in progress, and every request waits for a run that started after it', async () => {
    const starts: number[] = [];
    let release: () => void = () => {};
    let run = 0;
    const runs = new CoalescedRuns(async () => {
      starts.push(++run);
      await new Promise<void>((resolve) => (release = resolve));
    });
    const first = runs.request();
    const waiting = [runs.request(), runs.request(), runs.request()];
    let isDone = false;
    void Promise.all(waiting).then(() => (isDone = true));
    release(); // the first run ends; one more starts for the three
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect([starts, isDone]).toEqual([[1, 2], false]);
    release();
    await Promise.all(waiting);
    expect(starts).toEqual([1, 2]);
  });
});
