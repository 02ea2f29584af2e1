// Following the events another process appends to a jobs folder: new complete lines only, in
// order, from where the log stood when following began; a job's removal; nothing of one's own.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tailFolderEvents, type TailedEvents } from '../../../src/store/event-tail.js';
import { makeTempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const line = (seq: number, type = 'phase_started'): string => `${JSON.stringify({ ts: '2026-12-02T10:00:00.000Z', type, seq })}\n`;

function follow(dir: string, own: Set<string> = new Set()) {
  const seen: TailedEvents[] = [];
  stops.push(tailFolderEvents(dir, (id) => own.has(id), (tailed) => seen.push(tailed)));
  return seen;
}

describe('following a jobs folder', () => {
  it('reports what is appended after it began, complete lines only, and a removal', async () => {
    const dir = makeTempDir('jobline-tail-');
    mkdirSync(join(dir, 'job-aaaa0001'));
    writeFileSync(join(dir, 'job-aaaa0001', 'events.jsonl'), line(1, 'created') + line(2, 'queued'));
    const seen = follow(dir);
    appendFileSync(join(dir, 'job-aaaa0001', 'events.jsonl'), line(3) + line(4).slice(0, 10));
    await waitFor(() => seen.length === 1, 'the first append');
    expect(seen[0]).toEqual({ id: 'job-aaaa0001', isRemoved: false, events: [expect.objectContaining({ seq: 3 })] });
    appendFileSync(join(dir, 'job-aaaa0001', 'events.jsonl'), line(4).slice(10));
    await waitFor(() => seen.length === 2, 'the rest of the torn line');
    expect(seen[1]!.events.map((event) => event.seq)).toEqual([4]);
    // A job made after following began is read from its beginning.
    mkdirSync(join(dir, 'job-bbbb0002'));
    writeFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(1, 'created') + 'not json\n' + line(2, 'queued'));
    await waitFor(() => seen.some((tailed) => tailed.id === 'job-bbbb0002'), 'the new job');
    expect(seen.find((tailed) => tailed.id === 'job-bbbb0002')!.events.map((event) => event.type)).toEqual(['created', 'queued']);
    rmSync(join(dir, 'job-aaaa0001'), { recursive: true });
    await waitFor(() => seen.some((tailed) => tailed.isRemoved), 'the removal');
    expect(seen.find((tailed) => tailed.isRemoved)).toEqual({ id: 'job-aaaa0001', events: [], isRemoved: true });
  });

  it('says nothing of the jobs this process writes itself', async () => {
    const dir = makeTempDir('jobline-tail-');
    for (const id of ['job-mine0001', 'job-else0002']) {
      mkdirSync(join(dir, id));
      writeFileSync(join(dir, id, 'events.jsonl'), '');
    }
    const seen = follow(dir, new Set(['job-mine0001']));
    appendFileSync(join(dir, 'job-mine0001', 'events.jsonl'), line(1));
    appendFileSync(join(dir, 'job-else0002', 'events.jsonl'), line(1));
    await waitFor(() => seen.length === 1, 'the other job\'s event');
    // The own job's append was made first: had it been reported, it would be here already.
    expect(seen.map((tailed) => tailed.id)).toEqual(['job-else0002']);
  });

  it('watches each job\'s folder, not each of its files: a batch\'s 300 run logs cost no watch, and a job made later is followed as it grows', async () => {
    const dir = makeTempDir('jobline-tail-');
    mkdirSync(join(dir, 'job-aaaa0001', 'runs'), { recursive: true });
    writeFileSync(join(dir, 'job-aaaa0001', 'events.jsonl'), '');
    for (let i = 1; i <= 300; i++) writeFileSync(join(dir, 'job-aaaa0001', 'runs', `r${i}.log`), 'x\n');
    const before = countInotifyWatches();
    const seen = follow(dir);
    // The folder and the job's folder (Node's recursive watch on Linux made it 300 more, one per file).
    expect(countInotifyWatches() - before).toBe(2);
    mkdirSync(join(dir, 'job-bbbb0002'));
    appendFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(1, 'created'));
    await waitFor(() => seen.some((tailed) => tailed.id === 'job-bbbb0002'), 'the new job');
    appendFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(2, 'queued'));
    await waitFor(() => seen.filter((tailed) => tailed.id === 'job-bbbb0002').length === 2, 'its next event');
    expect(seen.filter((tailed) => tailed.id === 'job-bbbb0002').flatMap((tailed) => tailed.events.map((event) => event.seq))).toEqual([1, 2]);
    // New files of a job are news only when they are its log.
    for (let i = 301; i <= 310; i++) writeFileSync(join(dir, 'job-aaaa0001', 'runs', `r${i}.log`), 'x\n');
    appendFileSync(join(dir, 'job-aaaa0001', 'events.jsonl'), line(7));
    await waitFor(() => seen.some((tailed) => tailed.id === 'job-aaaa0001'), 'the first job\'s event');
    expect(seen.filter((tailed) => tailed.id === 'job-aaaa0001').flatMap((tailed) => tailed.events.map((event) => event.seq))).toEqual([7]);
    expect(countInotifyWatches() - before).toBe(3);
  });

  it('says why when the folder cannot be followed', () => {
    const failures: string[] = [];
    const missing = join(makeTempDir('jobline-tail-'), 'gone');
    stops.push(tailFolderEvents(missing, () => false, () => {}, (message) => failures.push(message)));
    expect(failures).toEqual([expect.stringMatching(new RegExp(`^Jobs that other jobline processes run in ${missing} are not followed live: .*Their changes show when the page is reloaded\\.$`))]);
  });
});

describe('following a jobs folder, what it leaves out', () => {
  it('ignores other files of a job, other names in the folder, lines that are not events, and a folder that never had a log', async () => {
    const dir = makeTempDir('jobline-tail-');
    for (const id of ['job-aaaa0001', 'job-bbbb0002']) {
      mkdirSync(join(dir, id));
      writeFileSync(join(dir, id, 'events.jsonl'), '');
    }
    const seen = follow(dir);
    writeFileSync(join(dir, 'job-aaaa0001', 'job.json'), '{}');
    writeFileSync(join(dir, 'notes.txt'), line(1));
    mkdirSync(join(dir, 'not-a-job'));
    writeFileSync(join(dir, 'not-a-job', 'events.jsonl'), line(1));
    appendFileSync(join(dir, 'job-aaaa0001', 'events.jsonl'), `not json\n${JSON.stringify({ type: 'x' })}\n${JSON.stringify({ ts: 'now' })}\nnull\n   \n`);
    mkdirSync(join(dir, 'job-cccc0003'));
    rmSync(join(dir, 'job-cccc0003'), { recursive: true });
    // Made after all of the above: when it is heard, they were too.
    appendFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(1));
    await waitFor(() => seen.length > 0, 'the other job\'s event');
    expect(seen).toEqual([{ id: 'job-bbbb0002', isRemoved: false, events: [expect.objectContaining({ seq: 1 })] }]);
  });

  it('reads a log that was cut shorter again from its start', async () => {
    const dir = makeTempDir('jobline-tail-');
    mkdirSync(join(dir, 'job-aaaa0001'));
    mkdirSync(join(dir, 'job-bbbb0002'));
    const log = join(dir, 'job-aaaa0001', 'events.jsonl');
    writeFileSync(log, line(1) + line(2) + line(3));
    const seen = follow(dir);
    writeFileSync(log, '');
    // Heard after the cut was (its change came first).
    writeFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(1));
    await waitFor(() => seen.some((tailed) => tailed.id === 'job-bbbb0002'), 'the other job');
    seen.length = 0;
    writeFileSync(log, line(9));
    await waitFor(() => seen.some((tailed) => tailed.events.some((event) => event.seq === 9)), 'the new start');
    expect(seen.flatMap((tailed) => tailed.events.map((event) => event.seq))).toEqual([9]);
  });

  it('stops at once when asked, and keeps no file open', async () => {
    const dir = makeTempDir('jobline-tail-');
    mkdirSync(join(dir, 'job-aaaa0001'));
    const log = join(dir, 'job-aaaa0001', 'events.jsonl');
    writeFileSync(log, '');
    const stopped: TailedEvents[] = [];
    const stop = tailFolderEvents(dir, () => false, (tailed) => stopped.push(tailed));
    const seen = follow(dir);
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    stop();
    for (let seq = 1; seq <= 20; seq++) {
      appendFileSync(log, line(seq));
      await waitFor(() => seen.some((tailed) => tailed.events.some((event) => event.seq === seq)), `event ${seq}`);
    }
    expect(stopped).toEqual([]);
    expect(open() - before).toBeLessThan(5);
  });
});

describe('following a jobs folder, jobs without a log', () => {
  it('reads a job whose log appears after its folder from its start, and reports a job removed before it had a log', async () => {
    const dir = makeTempDir('jobline-tail-');
    mkdirSync(join(dir, 'job-aaaa0001'));
    const seen = follow(dir);
    mkdirSync(join(dir, 'job-bbbb0002'));
    writeFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(1, 'created'));
    await waitFor(() => seen.length === 1, 'the new job\'s first event');
    expect(seen[0]).toEqual({ id: 'job-bbbb0002', isRemoved: false, events: [expect.objectContaining({ seq: 1 })] });
    rmSync(join(dir, 'job-aaaa0001'), { recursive: true });
    await waitFor(() => seen.length === 2, 'the removal');
    expect(seen[1]).toEqual({ id: 'job-aaaa0001', events: [], isRemoved: true });
  });

  it('reads a line written in two pieces once, whole, and nothing before it again', async () => {
    const dir = makeTempDir('jobline-tail-');
    mkdirSync(join(dir, 'job-aaaa0001'));
    mkdirSync(join(dir, 'job-bbbb0002'));
    const log = join(dir, 'job-aaaa0001', 'events.jsonl');
    writeFileSync(log, line(1));
    const seen = follow(dir);
    appendFileSync(log, line(2).slice(0, 10));
    // Heard after the piece was (its change came first).
    writeFileSync(join(dir, 'job-bbbb0002', 'events.jsonl'), line(7));
    await waitFor(() => seen.some((tailed) => tailed.id === 'job-bbbb0002'), 'the other job');
    appendFileSync(log, line(2).slice(10));
    await waitFor(() => seen.some((tailed) => tailed.id === 'job-aaaa0001'), 'the whole line');
    expect(seen.filter((tailed) => tailed.id === 'job-aaaa0001').flatMap((tailed) => tailed.events.map((event) => event.seq))).toEqual([2]);
  });
});

// The inotify watches this process holds (Linux: each inotify descriptor lists its watches in
// /proc/self/fdinfo), as a user's `fs.inotify.max_user_watches` counts them.
function countInotifyWatches(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (!readlinkSync(`/proc/self/fd/${fd}`).includes('inotify')) continue;
      count += (readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm) ?? []).length;
    } catch {
      // A descriptor closed meanwhile.
    }
  }
  return count;
}
