import { describe, expect, it } from 'vitest';
import { SlotQueue } from '../../../src/jobs/service/slot-queue.js';

describe('SlotQueue', () => {
  it('gives slots up to its capacity, then queues in FIFO order', () => {
    const slots = new SlotQueue(2);
    expect(['a', 'b', 'c'].map((id) => slots.tryTakeSlot(id))).toEqual([true, true, false]);
    expect([slots.enqueue('c'), slots.enqueue('d')]).toEqual([1, 2]);
    expect(slots.fillSlots(() => true)).toEqual([]);
    slots.releaseSlot('a');
    expect(slots.fillSlots(() => true)).toEqual(['c']);
    expect(slots.slotsInUse).toBe(2);
    expect(slots.waitingIds).toEqual(['d']);
  });

  it('never lets a newcomer jump the queue while others wait', () => {
    const slots = new SlotQueue(1);
    slots.tryTakeSlot('a');
    slots.enqueue('b');
    slots.releaseSlot('a');
    expect(slots.tryTakeSlot('c')).toBe(false);
    expect(slots.fillSlots(() => true)).toEqual(['b']);
  });

  it('puts approved work first and drops ids that no longer want to start', () => {
    const slots = new SlotQueue(1);
    slots.tryTakeSlot('x');
    slots.enqueue('a');
    slots.enqueue('cancelled');
    slots.enqueueFirst('approved');
    slots.releaseSlot('x');
    expect(slots.fillSlots((id) => id !== 'cancelled')).toEqual(['approved']);
    slots.releaseSlot('approved');
    expect(slots.fillSlots((id) => id !== 'cancelled')).toEqual(['a']);
    slots.releaseSlot('a');
    expect(slots.fillSlots((id) => id !== 'cancelled')).toEqual([]);
    expect(slots.waitingIds).toEqual([]);
  });

  it('never gives one job two slots: a job re-queued before its run let go waits at the front', () => {
    const slots = new SlotQueue(3);
    slots.tryTakeSlot('a');
    slots.enqueueFirst('a'); // approved while its previous run still holds the slot
    slots.enqueue('b');
    expect(slots.fillSlots(() => true)).toEqual(['b']);
    expect(slots.slotsInUse).toBe(2);
    expect(slots.waitingIds).toEqual(['a']);
    slots.releaseSlot('a');
    expect(slots.fillSlots(() => true)).toEqual(['a']);
    expect(slots.slotsInUse).toBe(2);
  });
});
