// A job's transcript read from its files on a temp folder (output.log, runs/rN.log) through the
// jobs folder's reader: phases of one task as output.log holds them, runs of a phase of several
// tasks each under its phase attempt's header with their task marked, views of one task's runs
// or of the failed ones (each run named), a tail, what came since (poll), the rest at the end
// (finish), and a follow that ends with the job.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Run, Task, TaskBoard } from '../../../src/jobs/model/task.js';
import { BOARD_EVERY_MS, followTranscript, formatSectionHeader, JobTranscript, type TranscriptLine } from '../../../src/jobs/service/job-transcript.js';
import { JobFolderReader } from '../../../src/store/job-folder-reader.js';
import { JobStore } from '../../../src/store/job-store.js';
import { makeTempDir } from '../../helpers/temp.js';

const T1 = '2026-12-06T10:00:01.000Z';
const T2 = '2026-12-06T10:00:02.000Z';
const T3 = '2026-12-06T10:00:03.000Z';
const task = (id: string, phase = 0): Task => ({ id, phase, title: `title ${id}`, input: id, status: 'done', dependsOn: [], claims: [], attempts: 1, result: null, filesModified: [] });
const run = (id: string, taskId: string, startedAt: string, file: string, section: string, state: Run['state'] = { status: 'succeeded', endedAt: T3 }): Run => ({ id, taskId, attempt: 1, worker: 'sh[abcd-0]', startedAt, state, output: { file, section } });
const header = (section: string, at: string) => formatSectionHeader(section, at);
const RUN = 'phase 1/1 run · attempt 1';

function jobFolder() {
  const store = JobStore.open(makeTempDir('jobline-transcript-'));
  const id = store.claimIdSync();
  const dir = store.pathsOf(id).dir;
  mkdirSync(join(dir, 'runs'));
  const reader = new JobFolderReader(store);
  return { id, dir, reader, output: join(dir, 'output.log'), runLog: (n: number) => join(dir, 'runs', `r${n}.log`) };
}

async function readAll(transcript: JobTranscript, board: TaskBoard, maxLines: number | null = null): Promise<{ lines: TranscriptLine[]; hasEarlier: boolean }> {
  const lines: TranscriptLine[] = [];
  const { hasEarlier } = await transcript.read(board, maxLines, (batch) => lines.push(...batch));
  return { lines, hasEarlier };
}

const texts = (lines: TranscriptLine[]): string[] => lines.map((line) => (line.kind === 'run' ? `[${line.run.id} ${line.task.id}]` : line.kind === 'header' ? `# ${line.text}` : `${line.taskId ? `${line.taskId} │ ` : ''}${line.text}`));

describe('formatSectionHeader', () => {
  it('is the header output.log writes, to the second, in UTC', () => {
    expect(formatSectionHeader('phase 1/2 checks · attempt 3', '2026-12-06T10:04:05.678Z')).toBe('── phase 1/2 checks · attempt 3 · 2026-12-06 10:04:05 UTC ──');
  });
});

describe('a transcript of phases of one task', () => {
  it('is output.log as written, or its tail; then what is appended, once', async () => {
    const { id, reader, output } = jobFolder();
    const plan = 'phase 1/2 plan · attempt 1';
    const apply = 'phase 2/2 apply · attempt 1';
    writeFileSync(output, `${header(plan, T1)}\nplanned\n${header(apply, T2)}\napplying\n`);
    const board: TaskBoard = { tasks: [task('t1', 0), task('t2', 1)], runs: [run('r1', 't1', T1, 'output.log', plan), run('r2', 't2', T2, 'output.log', apply, { status: 'running' })] };
    const whole = await readAll(new JobTranscript(reader, id, { kind: 'all' }), board);
    expect(texts(whole.lines)).toEqual([`# ${header(plan, T1)}`, 'planned', `# ${header(apply, T2)}`, 'applying']);
    expect(whole.hasEarlier).toBe(false);
    const tailed = new JobTranscript(reader, id, { kind: 'all' });
    const tail = await readAll(tailed, board, 1);
    expect(texts(tail.lines)).toEqual(['applying']);
    expect(tail.hasEarlier).toBe(true);
    appendFileSync(output, 'more\npartial');
    expect(texts(await tailed.poll(board))).toEqual(['more']);
    expect(await tailed.poll(board)).toEqual([]);
    expect(texts(await tailed.finish(board))).toEqual(['partial']);
  });
});

describe('a transcript of a phase of several tasks', () => {
  function several() {
    const folder = jobFolder();
    writeFileSync(folder.output, `${header(RUN, T1)}\n`);
    writeFileSync(folder.runLog(1), `${header(RUN, T1)}\none a\none b\n`);
    writeFileSync(folder.runLog(2), `${header(RUN, T2)}\ntwo a\n`);
    const board: TaskBoard = {
      tasks: [task('t1'), task('t2')],
      runs: [run('r2', 't2', T2, 'runs/r2.log', RUN, { status: 'failed', endedAt: T3, error: 'exit 1' }), run('r1', 't1', T1, 'runs/r1.log', RUN)],
    };
    return { ...folder, board };
  }

  it('gives each run\'s lines together, in the order the runs started, each marked with its task, under one header', async () => {
    const { id, reader, board } = several();
    const { lines, hasEarlier } = await readAll(new JobTranscript(reader, id, { kind: 'all' }), board);
    expect(texts(lines)).toEqual([`# ${header(RUN, T1)}`, 't1 │ one a', 't1 │ one b', 't2 │ two a']);
    expect(hasEarlier).toBe(false);
    expect(lines[1]).toEqual({ kind: 'output', text: 'one a', taskId: 't1' });
  });

  it('as a tail reads only the newest runs, and says earlier lines were left out', async () => {
    const { id, reader, board } = several();
    const one = await readAll(new JobTranscript(reader, id, { kind: 'all' }), board, 1);
    expect(texts(one.lines)).toEqual([`# ${header(RUN, T2)}`, 't2 │ two a']);
    expect(one.hasEarlier).toBe(true);
    const two = await readAll(new JobTranscript(reader, id, { kind: 'all' }), board, 2);
    expect(texts(two.lines)).toEqual([`# ${header(RUN, T1)}`, 't1 │ one b', 't2 │ two a']);
    expect(two.hasEarlier).toBe(true);
    const all = await readAll(new JobTranscript(reader, id, { kind: 'all' }), board, 3);
    expect(texts(all.lines)).toEqual([`# ${header(RUN, T1)}`, 't1 │ one a', 't1 │ one b', 't2 │ two a']);
    expect(all.hasEarlier).toBe(false);
  });

  it('of one task, or of the failed runs, names each run before its lines', async () => {
    const { id, reader, board } = several();
    expect(texts((await readAll(new JobTranscript(reader, id, { kind: 'task', taskId: 't1' }), board)).lines)).toEqual([`# ${header(RUN, T1)}`, '[r1 t1]', 't1 │ one a', 't1 │ one b']);
    expect(texts((await readAll(new JobTranscript(reader, id, { kind: 'failed' }), board)).lines)).toEqual([`# ${header(RUN, T2)}`, '[r2 t2]', 't2 │ two a']);
    expect((await readAll(new JobTranscript(reader, id, { kind: 'task', taskId: 't9' }), board)).lines).toEqual([]);
  });

  it('follows a running run from where it was read, and a new run from its start; the rest comes at the end', async () => {
    const { id, reader, board, runLog } = several();
    const running = run('r3', 't3', T3, 'runs/r3.log', RUN, { status: 'running' });
    writeFileSync(runLog(3), `${header(RUN, T3)}\nthree a\n`);
    const live: TaskBoard = { tasks: [...board.tasks, task('t3')], runs: [...board.runs, running] };
    const transcript = new JobTranscript(reader, id, { kind: 'all' });
    expect(texts((await readAll(transcript, live)).lines)).toEqual([`# ${header(RUN, T1)}`, 't1 │ one a', 't1 │ one b', 't2 │ two a', 't3 │ three a']);
    appendFileSync(runLog(3), 'three b\nthree c');
    expect(texts(await transcript.poll(live))).toEqual(['t3 │ three b']);
    // A run that started since: from its start, its file's header left out.
    writeFileSync(runLog(4), `${header(RUN, T3)}\nfour a\n`);
    const later: TaskBoard = { tasks: [...live.tasks, task('t4')], runs: [...live.runs, run('r4', 't4', T3, 'runs/r4.log', RUN, { status: 'running' })] };
    expect(texts(await transcript.poll(later))).toEqual(['t4 │ four a']);
    expect(texts(await transcript.finish(later))).toEqual(['t3 │ three c']);
  });

  it('refuses a run that names a file jobline does not write', async () => {
    const { id, reader, board } = several();
    const hostile: TaskBoard = { ...board, runs: [...board.runs, run('r9', 't1', T3, '../../etc/passwd', RUN)] };
    await expect(readAll(new JobTranscript(reader, id, { kind: 'all' }), hostile)).rejects.toMatchObject({ code: 'JOB_FILE_CORRUPT' });
  });
});

describe('following a transcript', () => {
  it('gives lines as they come and the rest once the job ended; ends at once for a job that is gone, or when aborted', async () => {
    const { id, reader, output } = jobFolder();
    writeFileSync(output, `${header(RUN, T1)}\nfirst\n`);
    const board: TaskBoard = { tasks: [task('t1')], runs: [run('r1', 't1', T1, 'output.log', RUN, { status: 'running' })] };
    const transcript = new JobTranscript(reader, id, { kind: 'all' });
    await readAll(transcript, board);
    const given: string[] = [];
    let views = 0;
    const view = async () => {
      views++;
      if (views === 2) appendFileSync(output, 'last');
      return { isJobEnded: views >= 2, board };
    };
    appendFileSync(output, 'second\n');
    expect(await followTranscript(transcript, view, { onLines: (lines) => given.push(...texts(lines)), pollMs: BOARD_EVERY_MS })).toBe(true);
    expect(given).toEqual(['second', 'last']);
    expect(await followTranscript(transcript, async () => null, { onLines: () => {} })).toBe(true);
    const abort = new AbortController();
    abort.abort();
    expect(await followTranscript(transcript, view, { onLines: () => {}, signal: abort.signal })).toBe(false);
  });

  it('of one task ends when the task ended and none of its runs runs', async () => {
    const { id, reader, runLog } = jobFolder();
    writeFileSync(runLog(1), `${header(RUN, T1)}\nonly\n`);
    const board: TaskBoard = { tasks: [task('t1'), { ...task('t2'), status: 'claimed' }], runs: [run('r1', 't1', T1, 'runs/r1.log', RUN)] };
    const transcript = new JobTranscript(reader, id, { kind: 'task', taskId: 't1' });
    await readAll(transcript, board);
    expect(await followTranscript(transcript, async () => ({ isJobEnded: false, board }), { onLines: () => {} })).toBe(true);
  });
});
