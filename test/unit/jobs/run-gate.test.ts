// Turns among a job's runs taken ahead on one worker (run-gate.ts): at most its workers go at
// once, the rest begin in the order they came, and one cancelled while it waits never begins.
import { describe, expect, it } from 'vitest';
import { RunGate } from '../../../src/jobs/runtime/run-gate.js';

// Enters `count` runs of `key`; `began` lists the numbers of those that began, in order.
function enterMany(gate: RunGate, key: string, count: number, limit: number, began: number[], signals: AbortController[] = []): Array<Promise<boolean>> {
  return Array.from({ length: count }, (_, i) => {
    const controller = new AbortController();
    signals[i] = controller;
    return gate.enter(key, limit, controller.signal).then((isBegun) => {
      if (isBegun) began.push(i);
      return isBegun;
    });
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RunGate', () => {
  it('lets `limit` runs of a key go at once and the next begin as one leaves, first come first served', async () => {
    const gate = new RunGate();
    const began: number[] = [];
    enterMany(gate, 'job-a', 6, 3, began);
    await settle();
    expect(began).toEqual([0, 1, 2]);
    expect(gate.waitingOf('job-a')).toBe(3);
    gate.leave('job-a');
    await settle();
    expect(began).toEqual([0, 1, 2, 3]);
    gate.leave('job-a');
    gate.leave('job-a');
    await settle();
    expect(began).toEqual([0, 1, 2, 3, 4, 5]);
    // Another key has places of its own.
    const other: number[] = [];
    enterMany(gate, 'job-b', 2, 1, other);
    await settle();
    expect(other).toEqual([0]);
  });

  it('never begins a run cancelled while it waits, and gives its turn to the next', async () => {
    const gate = new RunGate();
    const began: number[] = [];
    const signals: AbortController[] = [];
    const entered = enterMany(gate, 'job-a', 4, 1, began, signals);
    await settle();
    signals[1]!.abort();
    expect(await entered[1]).toBe(false);
    expect(gate.waitingOf('job-a')).toBe(2);
    gate.leave('job-a');
    await settle();
    expect(began).toEqual([0, 2]);
    // Cancelled once it began: nothing changes (its run gives its place back when it ends).
    signals[2]!.abort();
    gate.leave('job-a');
    await settle();
    expect(began).toEqual([0, 2, 3]);
    gate.leave('job-a');
    expect(gate.waitingOf('job-a')).toBe(0);
    // A run already cancelled takes no place; the key is free again.
    const aborted = new AbortController();
    aborted.abort();
    expect(await gate.enter('job-a', 1, aborted.signal)).toBe(false);
    expect(await gate.enter('job-a', 1, new AbortController().signal)).toBe(true);
  });
});
