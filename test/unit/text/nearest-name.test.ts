// "Did you mean …?": the closest known name to a mistyped one, only when it is close enough to be
// a typo (an edit distance of at most a third of the longer name, rounded up; at least 1).
import { describe, expect, it } from 'vitest';
import { findNearestName } from '../../../src/text/nearest-name.js';

describe('findNearestName', () => {
  it('finds a name typed in another case or with letters swapped, and gives it as it is spelled', () => {
    expect(findNearestName('jobs', ['quit', 'jobs', 'help'])).toBe('jobs');
    expect(findNearestName('JOBS', ['quit', 'Jobs'])).toBe('Jobs');
    expect(findNearestName('jbos', ['quit', 'jobs', 'help'])).toBe('jobs');
    expect(findNearestName('cancle', ['clear', 'cancel', 'close'])).toBe('cancel');
  });

  it('suggests nothing when no name is close, or there are none', () => {
    expect(findNearestName('xyz', ['jobs', 'help'])).toBeNull();
    expect(findNearestName('jobs', [])).toBeNull();
  });

  it('takes the first of names equally close', () => {
    expect(findNearestName('ab', ['ac', 'ad'])).toBe('ac');
    expect(findNearestName('ab', ['ad', 'ac'])).toBe('ad');
  });

  it('allows a third of the longer name in edits, rounded up, and one edit for the shortest', () => {
    expect(findNearestName('abcdef', ['abcdxy'])).toBe('abcdxy'); // 2 of 6
    expect(findNearestName('abcdef', ['abcxyz'])).toBeNull(); // 3 of 6
    expect(findNearestName('abcdefg', ['abcdxyz'])).toBe('abcdxyz'); // 3 of 7: ceil(7/3) = 3
    expect(findNearestName('abcdefghi', ['abcdef'])).toBe('abcdef'); // 3 of the longer 9
    expect(findNearestName('abcdef', ['abcdefghi'])).toBe('abcdefghi');
    expect(findNearestName('a', ['b'])).toBe('b');
    expect(findNearestName('ab', ['cd'])).toBeNull();
  });
});
