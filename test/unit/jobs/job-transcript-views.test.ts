// More of a job's transcript on real files (output.log, runs/rN.log) through the jobs folder's
// reader: tails that leave running runs out (followed from their end), runs whose files are still
// empty (their header dropped when it comes), one task's run in output.log followed while it runs,
// failed runs found after the read, the order of runs and of output.log's lines around them; and
// following, on a scripted transcript and fake timers: when a task's view is over, how often the
// board is read, an abort during a wait.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';
import { BOARD_EVERY_MS, followTranscript, formatSectionHeader, JobTranscript, type TranscriptFilter, type TranscriptLine } from '../../../src/jobs/service/job-transcript.js';
import { JobFolderReader } from '../../../src/store/job-folder-reader.js';
import { JobStore } from '../../../src/store/job-store.js';
import { makeTempDir } from '../../helpers/temp.js';

const T1 = '2026-12-06T10:00:01.000Z';
const T2 = '2026-12-06T10:00:02.000Z';
const T3 = '2026-12-06T10:00:03.000Z';
const DONE: Run['state'] = { status: 'succeeded', endedAt: T3 };
const RUNNING: Run['state'] = { status: 'running' };
const FAILED: Run['state'] = { status: 'failed', endedAt: T3, error: 'exit 1' };
const task = (id: string, status: Task['status'] = 'done', phase = 0): Task => ({ id, phase, title: `title ${id}`, input: id, status, dependsOn: [], claims: [], attempts: 1, result: null, filesModified: [] });
const run = (id: string, taskId: string, startedAt: string, file: string, section: string, state: Run['state'] = DONE): Run => ({ id, taskId, attempt: 1, worker: 'sh[abcd-0]', startedAt, state, output: { file, section } });
const header = (section: string, at: string) => formatSectionHeader(section, at);
const P1 = 'phase 1/2 plan · attempt 1';
const P2 = 'phase 2/2 apply · attempt 1';

function jobFolder() {
  const store = JobStore.open(makeTempDir('jobline-transcript-'));
  const id = store.claimIdSync();
  const dir = store.pathsOf(id).dir;
  mkdirSync(join(dir, 'runs'));
  const reader = new JobFolderReader(store);
  const output = join(dir, 'output.log');
  const runLog = (n: number) => join(dir, 'runs', `r${n}.log`);
  return { id, reader, output, runLog, transcript: (filter: TranscriptFilter = { kind: 'all' }) => new JobTranscript(reader, id, filter) };
}

async function readAll(transcript: JobTranscript, board: TaskBoard, maxLines: number | null = null): Promise<{ lines: TranscriptLine[]; hasEarlier: boolean; batches: number }> {
  const lines: TranscriptLine[] = [];
  let batches = 0;
  const { hasEarlier } = await transcript.read(board, maxLines, (batch) => {
    batches++;
    lines.push(...batch);
  });
  return { lines, hasEarlier, batches };
}

const texts = (lines: TranscriptLine[]): string[] => lines.map((line) => (line.kind === 'run' ? `[${line.run.id} ${line.task.id}]` : line.kind === 'header' ? `# ${line.text}` : `${line.taskId ? `${line.taskId} │ ` : ''}${line.text}`));

describe('a tail of a phase of several tasks', () => {
  it('follows a running run it left out from its end: only what it prints next comes', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\nold one\n`);
    writeFileSync(runLog(2), `${header(P1, T2)}\ntwo\n`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed'), task('t2')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING), run('r2', 't2', T2, 'runs/r2.log', P1)] };
    const view = transcript();
    const tail = await readAll(view, board, 1);
    expect(texts(tail.lines)).toEqual([`# ${header(P1, T2)}`, 't2 │ two']);
    expect(tail.hasEarlier).toBe(true);
    appendFileSync(runLog(1), 'new one\n');
    expect(texts(await view.poll(board))).toEqual(['t1 │ new one']);
  });

  it("drops the header of a run left out while its file was still empty, when it comes", async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), '');
    writeFileSync(runLog(2), `${header(P1, T2)}\ntwo\n`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed'), task('t2')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING), run('r2', 't2', T2, 'runs/r2.log', P1)] };
    const view = transcript();
    await readAll(view, board, 1);
    appendFileSync(runLog(1), `${header(P1, T1)}\nfirst\n`);
    expect(await view.poll(board)).toEqual([{ kind: 'output', text: 'first', taskId: 't1' }]);
  });

  it('follows a running run it read the tail of from where it read, its header dropped when its file was empty', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\na\nb\n`);
    writeFileSync(runLog(2), '');
    const board: TaskBoard = { tasks: [task('t1', 'claimed'), task('t2', 'claimed')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING), run('r2', 't2', T2, 'runs/r2.log', P1, RUNNING)] };
    const view = transcript();
    const tail = await readAll(view, board, 5);
    expect(texts(tail.lines)).toEqual([`# ${header(P1, T1)}`, 't1 │ a', 't1 │ b']);
    expect(tail.hasEarlier).toBe(false);
    appendFileSync(runLog(1), 'c\n');
    appendFileSync(runLog(2), `${header(P1, T2)}\nz\n`);
    expect(texts(await view.poll(board))).toEqual(['t1 │ c', 't2 │ z']);
  });

  it('says earlier lines were left out of a run whose file lost its header, when the tail cuts it', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), 'a\nb\nc\n');
    const board: TaskBoard = { tasks: [task('t1')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    const tail = await readAll(transcript(), board, 2);
    expect(texts(tail.lines)).toEqual([`# ${header(P1, T1)}`, 't1 │ b', 't1 │ c']);
    expect(tail.hasEarlier).toBe(true);
  });

  it('gives nothing, not even an empty batch, for runs that printed nothing', async () => {
    const { runLog, output, transcript } = jobFolder();
    writeFileSync(output, '');
    writeFileSync(runLog(1), '');
    const board: TaskBoard = { tasks: [task('t1')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    expect(await readAll(transcript(), board)).toEqual({ lines: [], hasEarlier: false, batches: 0 });
    const single: TaskBoard = { tasks: [task('t1')], runs: [run('r1', 't1', T1, 'output.log', P1)] };
    expect(await readAll(transcript(), single, 10)).toEqual({ lines: [], hasEarlier: false, batches: 0 });
  });
});

describe('a whole transcript of runs still running', () => {
  it("gives a running run's complete lines, and its unterminated last line once complete; an ended run's last line as it is", async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\ndone a\nno newline`);
    writeFileSync(runLog(2), `${header(P1, T2)}\nrun a\npart`);
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1), run('r2', 't2', T2, 'runs/r2.log', P1, RUNNING)] };
    const view = transcript();
    const { lines } = await readAll(view, board);
    expect(texts(lines)).toEqual([`# ${header(P1, T1)}`, 't1 │ done a', 't1 │ no newline', 't2 │ run a']);
    appendFileSync(runLog(2), 'ial\n');
    expect(texts(await view.poll(board))).toEqual(['t2 │ partial']);
  });

  it('drops the header of a running run whose file was empty when read whole, when it comes', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\none\n`);
    writeFileSync(runLog(2), '');
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1), run('r2', 't2', T2, 'runs/r2.log', P1, RUNNING)] };
    const view = transcript();
    await readAll(view, board);
    appendFileSync(runLog(2), `${header(P1, T2)}\ntwo\n`);
    expect(texts(await view.poll(board))).toEqual(['t2 │ two']);
  });

  it("drops a new run's header even when its file was still empty at the first poll", async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\none\n`);
    const before: TaskBoard = { tasks: [task('t1'), task('t2', 'todo')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    const view = transcript();
    await readAll(view, before);
    writeFileSync(runLog(2), '');
    const after: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed')], runs: [...before.runs, run('r2', 't2', T2, 'runs/r2.log', P1, RUNNING)] };
    expect(await view.poll(after)).toEqual([]);
    appendFileSync(runLog(2), `${header(P1, T2)}\ntwo\n`);
    expect(texts(await view.poll(after))).toEqual(['t2 │ two']);
  });

  it("gives output.log's lines before a new phase's header first, then the runs', then the new phase", async () => {
    const { output, runLog, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\n`);
    writeFileSync(runLog(1), `${header(P1, T1)}\none\n`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed'), task('t2', 'todo', 1)], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING)] };
    const view = transcript();
    await readAll(view, board);
    appendFileSync(output, `summary of plan\n${header(P2, T2)}\napplying\n`);
    appendFileSync(runLog(1), 'one more\n');
    const lines = await view.poll(board);
    expect(texts(lines)).toEqual(['summary of plan', 't1 │ one more', `# ${header(P2, T2)}`, 'applying']);
    expect(lines[0]).toEqual({ kind: 'output', text: 'summary of plan' });
    expect(lines[2]).toEqual({ kind: 'header', text: header(P2, T2) });
    // A run of the phase output.log's header opened: under that header, given once.
    writeFileSync(runLog(2), `${header(P2, T2)}\ntwo\n`);
    const later: TaskBoard = { tasks: board.tasks, runs: [...board.runs, run('r2', 't2', T2, 'runs/r2.log', P2, RUNNING)] };
    expect(texts(await view.poll(later))).toEqual(['t2 │ two']);
    expect(await view.poll(later)).toEqual([]);
  });

  it('orders runs by start, then by number (r9 before r10)', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(9), `${header(P1, T1)}\nnine\n`);
    writeFileSync(runLog(10), `${header(P1, T1)}\nten\n`);
    writeFileSync(runLog(2), `${header(P1, T1)}\ntwo\n`);
    const board: TaskBoard = { tasks: [task('t9'), task('t10'), task('t2')], runs: [run('r10', 't10', T1, 'runs/r10.log', P1), run('r2', 't2', T2, 'runs/r2.log', P1), run('r9', 't9', T1, 'runs/r9.log', P1)] };
    expect(texts((await readAll(transcript(), board)).lines).slice(1)).toEqual(['t9 │ nine', 't10 │ ten', 't2 │ two']);
    const late: TaskBoard = { tasks: board.tasks, runs: [run('r2', 't2', T1, 'runs/r2.log', P1), run('r9', 't9', T2, 'runs/r9.log', P1)] };
    expect(texts((await readAll(transcript(), late)).lines).slice(1)).toEqual(['t2 │ two', 't9 │ nine']);
  });
});

describe("one task's transcript", () => {
  it('is only its section of output.log, its lines unmarked, and follows it there while it runs', async () => {
    const { output, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\nplanned\n${header(P2, T2)}\napplying\n`);
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed', 1)], runs: [run('r1', 't1', T1, 'output.log', P1), run('r2', 't2', T2, 'output.log', P2, RUNNING)] };
    const view = transcript({ kind: 'task', taskId: 't2' });
    const { lines } = await readAll(view, board);
    expect(texts(lines)).toEqual([`# ${header(P2, T2)}`, '[r2 t2]', 'applying']);
    expect(lines[2]).toEqual({ kind: 'output', text: 'applying' });
    appendFileSync(output, 'applied\n');
    expect(await view.poll(board)).toEqual([{ kind: 'output', text: 'applied' }]);
    const ended: TaskBoard = { tasks: [task('t1'), task('t2', 'done', 1)], runs: [board.runs[0]!, { ...board.runs[1]!, state: DONE }] };
    appendFileSync(output, 'last words\n');
    expect(texts(await view.poll(ended))).toEqual(['last words']);
    appendFileSync(output, 'someone else\n');
    expect(await view.poll(ended)).toEqual([]);
    expect(await view.finish(ended)).toEqual([]);
  });

  it("is its run in output.log that started after the read: what it printed so far, then what comes, until it ended", async () => {
    const { output, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\nplanned\n`);
    const before: TaskBoard = { tasks: [task('t1'), task('t2', 'todo', 1)], runs: [run('r1', 't1', T1, 'output.log', P1)] };
    const view = transcript({ kind: 'task', taskId: 't2' });
    expect((await readAll(view, before)).lines).toEqual([]);
    appendFileSync(output, `${header(P2, T2)}\napplying\n`);
    const running: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed', 1)], runs: [...before.runs, run('r2', 't2', T2, 'output.log', P2, RUNNING)] };
    const lines = await view.poll(running);
    expect(texts(lines)).toEqual([`# ${header(P2, T2)}`, '[r2 t2]', 'applying']);
    expect(lines[2]).toEqual({ kind: 'output', text: 'applying' });
    appendFileSync(output, 'applied\n');
    expect(texts(await view.poll(running))).toEqual(['applied']);
    const ended: TaskBoard = { tasks: running.tasks, runs: [running.runs[0]!, { ...running.runs[1]!, state: DONE }] };
    appendFileSync(output, 'end\n');
    expect(texts(await view.poll(ended))).toEqual(['end']);
    appendFileSync(output, `${header('phase 3/3 check · attempt 1', T3)}\nnot its\n`);
    expect(await view.poll(ended)).toEqual([]);
  });

  it('names a run in output.log that ended before it was seen, with its whole section', async () => {
    const { output, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\nplanned\n`);
    const before: TaskBoard = { tasks: [task('t1'), task('t2', 'todo', 1)], runs: [run('r1', 't1', T1, 'output.log', P1)] };
    const view = transcript({ kind: 'task', taskId: 't2' });
    await readAll(view, before);
    appendFileSync(output, `${header(P2, T2)}\napplying\napplied\n`);
    const ended: TaskBoard = { tasks: [task('t1'), task('t2', 'done', 1)], runs: [...before.runs, run('r2', 't2', T2, 'output.log', P2)] };
    expect(texts(await view.finish(ended))).toEqual([`# ${header(P2, T2)}`, '[r2 t2]', 'applying', 'applied']);
  });

  it('names a run of its own file that printed nothing without a header, and holds a new one back until it prints', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\n`);
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'todo')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    expect(texts((await readAll(transcript({ kind: 'task', taskId: 't1' }), board)).lines)).toEqual(['[r1 t1]']);
    const view = transcript({ kind: 'task', taskId: 't2' });
    await readAll(view, board);
    writeFileSync(runLog(2), '');
    const running: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed')], runs: [...board.runs, run('r2', 't2', T2, 'runs/r2.log', P1, RUNNING)] };
    expect(await view.poll(running)).toEqual([]);
    appendFileSync(runLog(2), `${header(P1, T2)}\nx\n`);
    expect(texts(await view.poll(running))).toEqual([`# ${header(P1, T2)}`, '[r2 t2]', 't2 │ x']);
  });
});

describe('the failed runs', () => {
  it('show a run once it failed, and an interrupted one of a task that failed, with what it printed', async () => {
    const { output, runLog, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\nplanning\n`);
    writeFileSync(runLog(2), `${header(P2, T2)}\ncut short\n`);
    const running: TaskBoard = { tasks: [task('t1', 'claimed'), task('t2', 'failed', 1)], runs: [run('r1', 't1', T1, 'output.log', P1, RUNNING), run('r2', 't2', T2, 'runs/r2.log', P2, { status: 'interrupted', endedAt: T3, reason: 'jobline exited' })] };
    const view = transcript({ kind: 'failed' });
    expect(texts((await readAll(view, running)).lines)).toEqual([`# ${header(P2, T2)}`, '[r2 t2]', 't2 │ cut short']);
    appendFileSync(output, 'broke\n');
    const failed: TaskBoard = { tasks: [task('t1', 'failed'), running.tasks[1]!], runs: [{ ...running.runs[0]!, state: FAILED }, running.runs[1]!] };
    expect(texts(await view.poll(failed))).toEqual([`# ${header(P1, T1)}`, '[r1 t1]', 'planning', 'broke']);
    // An interrupted run whose task runs again is no failure.
    const again: TaskBoard = { tasks: [task('t1', 'todo')], runs: [run('r1', 't1', T1, 'output.log', P1, { status: 'interrupted', endedAt: T3, reason: 'jobline exited' })] };
    expect((await readAll(transcript({ kind: 'failed' }), again)).lines).toEqual([]);
  });
});

describe('more edges', () => {
  it("keeps the first line of a run file that lost its header, read whole", async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), 'a\nb\n');
    const board: TaskBoard = { tasks: [task('t1')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    expect(texts((await readAll(transcript(), board)).lines)).toEqual([`# ${header(P1, T1)}`, 't1 │ a', 't1 │ b']);
  });

  it('says nothing was left out of a view with no runs', async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\na\n`);
    const board: TaskBoard = { tasks: [task('t1')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    expect(await readAll(transcript({ kind: 'task', taskId: 't9' }), board, 5)).toEqual({ lines: [], hasEarlier: false, batches: 0 });
    expect(await readAll(transcript({ kind: 'failed' }), board)).toEqual({ lines: [], hasEarlier: false, batches: 0 });
  });

  it("gives output.log's new lines of the phase under way before the runs'", async () => {
    const { output, runLog, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\n`);
    writeFileSync(runLog(1), `${header(P1, T1)}\none\n`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING)] };
    const view = transcript();
    await readAll(view, board);
    appendFileSync(output, 'note a\nnote b\n');
    appendFileSync(runLog(1), 'two\n');
    expect(texts(await view.poll(board))).toEqual(['note a', 'note b', 't1 │ two']);
    appendFileSync(output, 'note c\n');
    expect(texts(await view.poll(board))).toEqual(['note c']);
  });

  it('gives phases of one task from output.log and runs of a phase of several from their files, in order', async () => {
    const { output, runLog, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\nplanned\n${header(P2, T2)}\n`);
    writeFileSync(runLog(2), `${header(P2, T2)}\ntwo\n`);
    writeFileSync(runLog(3), `${header(P2, T3)}\nthree\n`);
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'done', 1), task('t3', 'done', 1)], runs: [run('r1', 't1', T1, 'output.log', P1), run('r2', 't2', T2, 'runs/r2.log', P2), run('r3', 't3', T3, 'runs/r3.log', P2)] };
    expect(texts((await readAll(transcript(), board)).lines)).toEqual([`# ${header(P1, T1)}`, 'planned', `# ${header(P2, T2)}`, 't2 │ two', 't3 │ three']);
  });

  it("of a task run again in output.log follows its running attempt's lines for as long as it runs", async () => {
    const { output, transcript } = jobFolder();
    const first = 'phase 1/1 run · attempt 1';
    const second = 'phase 1/1 run · attempt 2';
    writeFileSync(output, `${header(first, T1)}\ntry one\n${header(second, T2)}\ntry two\n`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed')], runs: [run('r1', 't1', T1, 'output.log', first, FAILED), run('r2', 't2', T2, 'output.log', second, RUNNING)].map((item) => ({ ...item, taskId: 't1' })) };
    const view = transcript({ kind: 'task', taskId: 't1' });
    expect(texts((await readAll(view, board)).lines)).toEqual([`# ${header(first, T1)}`, '[r1 t1]', 'try one', `# ${header(second, T2)}`, '[r2 t1]', 'try two']);
    appendFileSync(output, 'more\n');
    expect(texts(await view.poll(board))).toEqual(['more']);
    appendFileSync(output, 'and more\n');
    expect(texts(await view.poll(board))).toEqual(['and more']);
  });

  it("drops only a run file's own opening header: a line a run prints that looks like one is output", async () => {
    const { runLog, transcript } = jobFolder();
    const lookalike = header('phase 1/1 nested · attempt 1', T3);
    writeFileSync(runLog(1), `${header(P1, T1)}\none\n`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed'), task('t2', 'todo'), task('t3', 'todo')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING)] };
    const view = transcript();
    await readAll(view, board);
    appendFileSync(runLog(1), `${lookalike}\n`);
    expect(texts(await view.poll(board))).toEqual([`t1 │ ${lookalike}`]);
    // New runs: one whose file begins without a header, one that prints a look-alike after its header.
    writeFileSync(runLog(2), 'no header\n');
    writeFileSync(runLog(3), `${header(P1, T2)}\nthree\n`);
    const later: TaskBoard = { tasks: board.tasks, runs: [...board.runs, run('r2', 't2', T2, 'runs/r2.log', P1, RUNNING), run('r3', 't3', T2, 'runs/r3.log', P1, RUNNING)] };
    expect(texts(await view.poll(later))).toEqual(['t2 │ no header', 't3 │ three']);
    appendFileSync(runLog(3), `${lookalike}\n`);
    expect(texts(await view.poll(later))).toEqual([`t3 │ ${lookalike}`]);
  });

  it("gives a run's unterminated last line at the first poll after it ended", async () => {
    const { runLog, transcript } = jobFolder();
    writeFileSync(runLog(1), `${header(P1, T1)}\na\npart`);
    const board: TaskBoard = { tasks: [task('t1', 'claimed')], runs: [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING)] };
    const view = transcript();
    await readAll(view, board);
    const ended: TaskBoard = { tasks: [task('t1')], runs: [{ ...board.runs[0]!, state: DONE }] };
    expect(texts(await view.poll(ended))).toEqual(['t1 │ part']);
    expect(await view.poll(ended)).toEqual([]);
  });

  it('gives a new phase of one task after a phase of several once, through output.log', async () => {
    const { output, runLog, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\n`);
    writeFileSync(runLog(1), `${header(P1, T1)}\none\n`);
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'todo', 1)], runs: [run('r1', 't1', T1, 'runs/r1.log', P1)] };
    const view = transcript();
    await readAll(view, board);
    appendFileSync(output, `${header(P2, T2)}\napplying\n`);
    const next: TaskBoard = { tasks: [task('t1'), task('t2', 'claimed', 1)], runs: [...board.runs, run('r2', 't2', T2, 'output.log', P2, RUNNING)] };
    expect(texts(await view.poll(next))).toEqual([`# ${header(P2, T2)}`, 'applying']);
    appendFileSync(output, 'applied\n');
    expect(texts(await view.poll(next))).toEqual(['applied']);
  });

  it('names a run in output.log that printed nothing yet at once (one task), or once it failed (failed runs)', async () => {
    const { output, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\n`);
    const before: TaskBoard = { tasks: [task('t1', 'todo')], runs: [] };
    const view = transcript({ kind: 'task', taskId: 't1' });
    await readAll(view, before);
    const running: TaskBoard = { tasks: [task('t1', 'claimed')], runs: [run('r1', 't1', T1, 'output.log', P1, RUNNING)] };
    expect(texts(await view.poll(running))).toEqual(['[r1 t1]']);
    const failedView = transcript({ kind: 'failed' });
    await readAll(failedView, running);
    const failed: TaskBoard = { tasks: [task('t1', 'failed')], runs: [{ ...running.runs[0]!, state: FAILED }] };
    expect(texts(await failedView.poll(failed))).toEqual(['[r1 t1]']);
    appendFileSync(output, `${header(P2, T2)}\nnot a failure\n`);
    expect(await failedView.poll(failed)).toEqual([]);
  });

  it("of one task's ended run leaves out what output.log gets afterwards", async () => {
    const { output, runLog, transcript } = jobFolder();
    writeFileSync(output, `${header(P1, T1)}\nplanned\n`);
    writeFileSync(runLog(2), `${header(P2, T2)}\nown\n`);
    const board: TaskBoard = { tasks: [task('t1'), task('t2', 'done', 1)], runs: [run('r1', 't1', T1, 'output.log', P1), run('r2', 't2', T2, 'runs/r2.log', P2)] };
    const first = transcript({ kind: 'task', taskId: 't1' });
    expect(texts((await readAll(first, board, 10)).lines)).toEqual([`# ${header(P1, T1)}`, '[r1 t1]', 'planned']);
    const second = transcript({ kind: 'task', taskId: 't2' });
    expect(texts((await readAll(second, board, 10)).lines)).toEqual([`# ${header(P2, T2)}`, '[r2 t2]', 't2 │ own']);
    appendFileSync(output, `${header('phase 3/3 check · attempt 1', T3)}\nchecking\n`);
    expect(await first.poll(board)).toEqual([]);
    expect(await second.poll(board)).toEqual([]);
    expect(await first.finish(board)).toEqual([]);
  });
});

describe('following a transcript (scripted)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function scripted(filter: TranscriptFilter) {
    const calls: string[] = [];
    const transcript = {
      filter,
      poll: async () => {
        calls.push('poll');
        return [] as TranscriptLine[];
      },
      finish: async () => {
        calls.push('finish');
        return [] as TranscriptLine[];
      },
    } as unknown as JobTranscript;
    return { transcript, calls };
  }

  const boardOf = (tasks: Task[], runs: Run[] = []): TaskBoard => ({ tasks, runs });

  it("of one task goes on while the task waits, is claimed, or a run of it runs; not for another task's run", async () => {
    const cases: Array<{ board: TaskBoard; isOver: boolean }> = [
      { board: boardOf([task('t1', 'todo')]), isOver: false },
      { board: boardOf([task('t1', 'claimed')]), isOver: false },
      { board: boardOf([task('t1', 'failed')], [run('r1', 't1', T1, 'runs/r1.log', P1, RUNNING)]), isOver: false },
      { board: boardOf([task('t1', 'done'), task('t2', 'claimed')], [run('r2', 't2', T1, 'runs/r2.log', P1, RUNNING), run('r1', 't1', T1, 'runs/r1.log', P1)]), isOver: true },
      { board: boardOf([task('t2', 'claimed')]), isOver: false },
      { board: boardOf([task('t2', 'done'), task('t1', 'claimed')]), isOver: false },
      { board: boardOf([task('t1', 'done')]), isOver: true },
    ];
    for (const { board, isOver } of cases) {
      const abort = new AbortController();
      const { transcript, calls } = scripted({ kind: 'task', taskId: 't1' });
      const followed = followTranscript(transcript, async () => ({ isJobEnded: false, board }), { onLines: () => {}, signal: abort.signal, pollMs: 5 });
      await vi.waitFor(() => expect(calls.length).toBeGreaterThan(0));
      abort.abort();
      expect(await followed).toBe(isOver);
      expect(calls[0]).toBe(isOver ? 'finish' : 'poll');
    }
  });

  it('never hands on an empty batch', async () => {
    const { transcript } = scripted({ kind: 'all' });
    const batches: TranscriptLine[][] = [];
    let views = 0;
    vi.useFakeTimers({ now: 0 });
    const view = async () => ({ isJobEnded: ++views > 1, board: boardOf([]) });
    const followed = followTranscript(transcript, view, { onLines: (lines) => batches.push(lines), pollMs: BOARD_EVERY_MS });
    await vi.advanceTimersByTimeAsync(BOARD_EVERY_MS);
    expect(await followed).toBe(true);
    expect(batches).toEqual([]);
  });

  it('reads the board again every BOARD_EVERY_MS while polling more often, and ends at once when aborted during a wait', async () => {
    vi.useFakeTimers({ now: 0 });
    const { transcript, calls } = scripted({ kind: 'all' });
    const viewedAt: number[] = [];
    const view = async () => {
      viewedAt.push(Date.now());
      return { isJobEnded: false, board: boardOf([]) };
    };
    const abort = new AbortController();
    const followed = followTranscript(transcript, view, { onLines: () => {}, signal: abort.signal, pollMs: 100 });
    await vi.advanceTimersByTimeAsync(1050);
    expect(viewedAt).toEqual([0, BOARD_EVERY_MS, 2 * BOARD_EVERY_MS]);
    expect(calls).toHaveLength(11);
    let isDone = false;
    void followed.then(() => {
      isDone = true;
    });
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(isDone).toBe(true);
    expect(await followed).toBe(false);
  });

  it('polls every 200 ms unless told', async () => {
    vi.useFakeTimers({ now: 0 });
    const { transcript, calls } = scripted({ kind: 'all' });
    const abort = new AbortController();
    const followed = followTranscript(transcript, async () => ({ isJobEnded: false, board: boardOf([]) }), { onLines: () => {}, signal: abort.signal });
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(6);
    abort.abort();
    expect(await followed).toBe(false);
  });
});
