// The REPL and a job in a worktree, in a real pseudo-terminal: the approval box shows what the
// phase changed in the worktree, the last phase's box offers m (finish and land now), /jobs says
// where each job's work stands, /diff shows a job's whole change, /merge lands it.
import { describe, expect, it } from 'vitest';
import { PtySession, type ReplWorkspace } from '../helpers/pty.js';
import { makeGitProject } from '../helpers/git.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

function workspace(): { repl: ReplWorkspace; project: ReturnType<typeof makeGitProject> } {
  const project = makeGitProject({ 'a.txt': 'zero\n' }, {
    defaultAgent: 'edit',
    agents: { edit: { type: 'command', isolation: 'worktree', phases: [{ name: 'write', run: 'echo "$JOB_PROMPT" >> a.txt' }, { name: 'note', run: 'echo "$JOB_PROMPT" > "notes-$JOB_PROMPT.txt"' }] } },
  });
  return { project, repl: { cwd: project.cwd, jobsDir: project.jobsDir, home: project.home, env: { ...project.env, PAGER: 'cat' } } };
}

describe('the REPL with jobs in worktrees', () => {
  it('shows the worktree diff in the box, lands with m from the last box, and /jobs, /diff and /merge say and do the rest', async () => {
    const { project, repl } = workspace();
    const session = new PtySession(repl, [], 120, 40);
    await session.waitForText('jobline:edit> ');
    session.send('alpha');
    const first = await session.startedJob('edit');
    await session.waitForText(/in worktree jobline\/[\w-]+ · committed once you continue/);
    await session.waitForText(/changed 1 file \(\+1 −0\)[\s\S]*a\.txt\s+\+1 −0/);
    await session.waitForAnswers();
    session.type('d');
    await session.waitForText(/\+alpha[\s\S]*what next\?/);
    await session.waitForAnswers();
    session.type('c');
    await session.waitForText('Merge now: finish the job and land its work (m)');
    await session.waitForText(/notes-alpha\.txt\s+\+1 −0/);
    await session.waitForAnswers();
    session.type('m');
    await session.waitForText(`Landed ${first}`);
    expect(project.git(['show', 'main:a.txt'])).toBe('zero\nalpha\n');
    expect(project.read('a.txt')).toBe('zero\nalpha\n');

    session.send('beta');
    const second = await session.startedJob('edit', [first]);
    await session.waitForAnswers();
    session.type('c');
    await session.waitForText(/beta\.txt/);
    await session.waitForAnswers();
    session.type('c');
    await session.waitForText(`[${second.slice(0, 8)}] ⇢ Ready to land on main`);
    session.send('/jobs');
    await session.waitForText(new RegExp(`${first}.*· 🛬 landed`));
    await session.waitForText(new RegExp(`${second}.*· ⇢ ready`));
    session.send(`/diff ${second} --stat`);
    await session.waitForText(/notes-beta\.txt\s+\|\s+1 \+/);
    session.send(`/diff ${second}`);
    await session.waitForText('+beta');
    session.send(`/merge ${second}`);
    await session.waitForText(`Landed ${second}`);
    expect(project.git(['show', 'main:a.txt'])).toBe('zero\nalpha\nbeta\n');
    session.send('/quit');
  });

  it('offers to keep, land or discard a worktree whose job folder a crash took, at startup', async () => {
    const { project, repl } = workspace();
    const made = await runCli(['run', '-y', '--name', 'lost-lamb', '--json', 'gamma'], { cwd: project.cwd, env: project.env });
    const lost = JSON.parse(made.stdout) as { id: string };
    rmSync(join(project.jobsDir, lost.id), { recursive: true, force: true });
    const session = new PtySession(repl, [], 120, 40);
    await session.waitForText('without their job (left by a crash)');
    await session.waitForText(/jobline\/lost-lamb \(worktree [^)]*\): 2 commits on no other branch/);
    await session.waitForText('[k]eep (Enter), [l]and, [d]iscard');
    session.type('l'); // one key answers
    await session.waitForText('Landed jobline/lost-lamb on main');
    await session.waitForText('jobline:edit> ');
    expect(project.git(['show', 'main:a.txt'])).toBe('zero\ngamma\n');
    session.send('/quit');
  });
});
