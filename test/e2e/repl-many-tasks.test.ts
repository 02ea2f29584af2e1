// A job of 50 tasks, 3 of them failing, in the REPL in a real pseudo-terminal: /tasks lists the
// failed ones first and says what it hides and how to see it; /logs prints every task's lines in
// order, each marked with its task in the task's colour; --failed the failed runs'; the notice of
// lines held back leads to /logs, which has them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PtySession, makeReplWorkspace } from '../helpers/pty.js';

const FAILING = new Set([7, 23, 41]);
const LINES = Array.from({ length: 50 }, (_, index) => `echo L${index + 1} a; echo L${index + 1} b${FAILING.has(index + 1) ? `; exit ${index + 1}` : ''}`);

describe('REPL: a job of 50 tasks with failures', () => {
  it('/tasks puts the failed first, /logs prints every task\'s lines marked and coloured, and its hints lead to the lines', async () => {
    const workspace = makeReplWorkspace();
    writeFileSync(join(workspace.cwd, 'lines.txt'), `${LINES.join('\n')}\n`);
    const session = new PtySession(workspace, ['--background'], 120, 40);
    await session.waitForText('jobline:sh[bg]> ');
    session.send('/workers 3');
    await session.waitForText('Workers: 3 per new job');
    session.send('/batch lines.txt');
    const id = await session.startedJob('sh');
    const short = id.slice(0, 8);
    // Every line runs (the default): the job fails with its 3 failed tasks once all 50 ran.
    await session.waitForText(`[${short}] ❌ 3 tasks failed`, 20_000);
    // 100 lines at once are more than a burst: the notice says how many it held back and where they are.
    const notice = /\[job-\w{4}\] … (\d+) more lines \(\/logs (job-\w{4})\)/.exec(await session.text());
    expect(notice?.[2]).toBe(short);

    session.send(`/tasks ${id}`);
    await session.waitForText(`Tasks of ${id} (47/50 done · 3 failed)`);
    await session.waitForText(`Output of the failed tasks: /logs ${id} --failed`);
    const lines = await session.lines();
    const header = lines.findLastIndex((line) => line.startsWith(`Tasks of ${id}`));
    const rows = lines.slice(header + 1).filter((line) => /^ \S+ t\d+ /.test(line)).map((line) => line.trim().split(/\s+/).slice(1, 3).join(' '));
    expect(rows.slice(0, 4)).toEqual(['t7 failed', 't23 failed', 't41 failed', 't1 done']);
    session.send(`/tasks ${id} --status failed`);
    await session.waitForText(`47 tasks of other statuses hidden (/tasks ${id} lists them)`);

    // /logs with the notice's own short id: every task's lines, in order, marked with the task.
    session.send(`/logs ${short}`);
    await session.waitForText('t50 │ L50 b');
    const text = await session.text();
    const shown = text.slice(text.lastIndexOf(`/logs ${short}`)).split('\n').filter((line) => /^t\d+ +│ L\d+ [ab]$/.test(line));
    expect(shown).toHaveLength(100);
    expect(shown.slice(0, 2)).toEqual(['t1  │ L1 a', 't1  │ L1 b']);
    for (let index = 0; index < shown.length; index += 2) expect(shown[index + 1]!.replace(' b', ' a')).toBe(shown[index]);
    expect(text).not.toContain(`${id} has printed nothing yet`);
    // Each task's prefix in its own colour: neighbours differ, and none is the plain text colour.
    const colours = await Promise.all(['t7  │ L7 a', 't8  │ L8 a', 't23 │ L23 a'].map((line) => session.colourOf(line)));
    expect(colours.every((colour) => colour !== null)).toBe(true);
    expect(colours[0]).not.toBe(colours[1]);

    session.send(`/logs ${id} --failed`);
    await session.waitForText(/t41 │ L41 b\n.*jobline:sh\[bg\]> $/);
    const failedText = await session.text();
    const failed = failedText.slice(failedText.lastIndexOf(`/logs ${id} --failed`)).split('\n');
    expect(failed.filter((line) => /^t\d+ +│/.test(line))).toEqual(['t7  │ L7 a', 't7  │ L7 b', 't23 │ L23 a', 't23 │ L23 b', 't41 │ L41 a', 't41 │ L41 b']);
    expect(failed.filter((line) => / · r\d+ attempt 1 · sh\[\w{4}-\d\] · failed · job-/.test(line))).toHaveLength(3);
  }, 60_000);
});
