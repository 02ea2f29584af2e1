// The registry of a worker's process groups, each with the run that started it: a run's end or
// cancel signals its own groups only, even when runs share a worker.
import { describe, expect, it } from 'vitest';
import { ChildRegistry, MAX_TRACKED_CHILDREN, createChildRegistryBuffer } from '../../../src/jobs/runtime/child-registry.js';

describe('ChildRegistry', () => {
  it('lists each run\'s groups apart, and all of them together', () => {
    const buffer = createChildRegistryBuffer();
    const worker = new ChildRegistry(buffer);
    const main = new ChildRegistry(buffer); // the main thread's view of the same memory
    worker.add(1, 100);
    worker.add(2, 200);
    worker.add(1, 101);
    expect(main.list(1)).toEqual([100, 101]);
    expect(main.list(2)).toEqual([200]);
    expect(main.list(3)).toEqual([]);
    expect(main.list()).toEqual([100, 200, 101]);
  });

  it('forgets a group only for the run that started it, and reuses the freed entry', () => {
    const registry = new ChildRegistry(createChildRegistryBuffer());
    registry.add(1, 100);
    registry.add(2, 100); // a pid reused by another run's group after the first one ended
    registry.remove(1, 100);
    expect(registry.list(1)).toEqual([]);
    expect(registry.list(2)).toEqual([100]);
    registry.remove(2, 999); // not its group: nothing changes
    expect(registry.list(2)).toEqual([100]);
    registry.add(3, 300);
    expect(registry.list()).toEqual([300, 100]);
  });

  it('says when it is full, and keeps every group it took', () => {
    const registry = new ChildRegistry(createChildRegistryBuffer());
    for (let i = 1; i <= MAX_TRACKED_CHILDREN; i++) expect(registry.add(i, 1000 + i)).toBe(true);
    expect(registry.add(999, 5)).toBe(false);
    expect(registry.list()).toHaveLength(MAX_TRACKED_CHILDREN);
    registry.remove(7, 1007);
    expect(registry.add(999, 5)).toBe(true);
    expect(registry.list(999)).toEqual([5]);
  });
});
