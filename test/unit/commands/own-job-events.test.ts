// OwnJobEvents: a script command hears only its own job's events, also those heard before the
// submission's answer named the job.
import { describe, expect, it } from 'vitest';
import { OwnJobEvents } from '../../../src/commands/own-job-events.js';

describe('OwnJobEvents', () => {
  it('holds events until the job is named, then delivers its own in order and drops the others', () => {
    const own = new OwnJobEvents();
    const heard: string[] = [];
    own.pass('job-other', () => heard.push('other 1'));
    own.pass('job-mine', () => heard.push('mine 1'));
    own.pass('job-other', () => heard.push('other 2'));
    own.pass('job-mine', () => heard.push('mine 2'));
    expect(heard).toEqual([]);
    own.open('job-mine');
    expect(heard).toEqual(['mine 1', 'mine 2']);
    own.pass('job-other', () => heard.push('other 3'));
    own.pass('job-mine', () => heard.push('mine 3'));
    own.open('job-other'); // named once: a second name changes nothing
    own.pass('job-other', () => heard.push('other 4'));
    expect(heard).toEqual(['mine 1', 'mine 2', 'mine 3']);
  });
});
