// FollowFilter and its words: whose events an attached REPL prints in full, what /follow takes,
// and the one line a job it does not follow gets when it ends.
import { describe, expect, it } from 'vitest';
import { FollowFilter, describeFollowing, formatUnfollowedEnd, parseFollowTarget } from '../../../src/repl/follow.js';
import { makeJob } from '../../helpers/jobs.js';

describe('FollowFilter', () => {
  it('follows, by default, the jobs this REPL started or answered and those that run here; all; or one job', () => {
    const local = new Set(['job-local000']);
    const follow = new FollowFilter((id) => local.has(id));
    follow.adopt('job-mine0000', 'started');
    follow.adopt('job-answered', 'answered');
    follow.adopt('job-mine0000', 'answered'); // started stays started
    expect(['job-mine0000', 'job-answered', 'job-local000', 'job-other000'].map((id) => follow.isFollowed(id))).toEqual([true, true, true, false]);
    expect(follow.startedJobs()).toEqual(['job-mine0000']);
    follow.set({ kind: 'all' });
    expect(follow.isFollowed('job-other000')).toBe(true);
    follow.set({ kind: 'job', id: 'job-other000' });
    expect(['job-mine0000', 'job-other000'].map((id) => follow.isFollowed(id))).toEqual([false, true]);
    expect(follow.following).toEqual({ kind: 'job', id: 'job-other000' });
  });
});

describe('/follow', () => {
  it('takes all, mine or a job (resolved), and says what each shows', async () => {
    const resolve = async (input: string): Promise<string> => `job-${input}0000`;
    expect(await parseFollowTarget(' all ', resolve)).toEqual({ kind: 'all' });
    expect(await parseFollowTarget('mine', resolve)).toEqual({ kind: 'mine' });
    expect(await parseFollowTarget('ab12', resolve)).toEqual({ kind: 'job', id: 'job-ab120000' });
    await expect(parseFollowTarget('ab12 cd34', resolve)).rejects.toThrow('Usage: /follow all | mine | <id>');
    expect(describeFollowing({ kind: 'job', id: 'job-ab120000' })).toBe('Following job-ab120000 only; other jobs: one line when they end; approvals are asked whatever you follow.');
    expect(describeFollowing({ kind: 'all' })).toBe('Following every job: their events and output.');
  });

  it('gives a job it does not follow one line when it ends, naming it (a failure with its reason), and none for other events', () => {
    const done = makeJob({ id: 'job-ab12cd34', status: 'completed', name: 'tidy-fox' });
    expect(formatUnfollowedEnd(done, { ts: '', type: 'completed' }, 200)).toMatch(/\[job-ab12\] ✅ Completed job-ab12cd34 tidy-fox$/);
    const failed = makeJob({ id: 'job-ef56gh78', status: 'failed', error: 'exit 3' });
    expect(formatUnfollowedEnd(failed, { ts: '', type: 'failed', error: 'Phase run failed: exit 3' }, 200)).toMatch(/❌ Failed job-ef56gh78( \S+)?: Phase run failed: exit 3$/);
    expect(formatUnfollowedEnd(done, { ts: '', type: 'phase_completed' }, 200)).toBeNull();
    expect(formatUnfollowedEnd(makeJob({ status: 'running' }), { ts: '', type: 'completed' }, 200)).toBeNull();
  });
});
