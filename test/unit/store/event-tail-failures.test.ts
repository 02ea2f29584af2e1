// A jobs folder that cannot be watched (the system's limit of inotify watches, or another error):
// following it says why in one sentence, and what the user sees meanwhile. And what the follower
// does with each change the system reports, one at a time (scripted watches, on fake timers).
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp.js';

const failure: { code: string | null; message: string; onlyJobs?: boolean } = { code: null, message: '' };
// Scripted watches, by the folder watched: the test says which changes the system reports, and when one fails.
type Listener = (type: string, name: string | null) => void;
type ScriptedWatcher = EventEmitter & { isClosed: boolean; close: () => void; listener: Listener };
const scripted: { isOn: boolean; watchers: Map<string, ScriptedWatcher> } = { isOn: false, watchers: new Map() };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    watch: (...args: Parameters<typeof fs.watch>) => {
      if (failure.code && (!failure.onlyJobs || String(args[0]).includes('/job-'))) throw Object.assign(new Error(failure.message), { code: failure.code });
      if (scripted.isOn) {
        const watcher: ScriptedWatcher = Object.assign(new EventEmitter(), { isClosed: false, close: () => void (watcher.isClosed = true), listener: (args as unknown[]).at(-1) as Listener });
        scripted.watchers.set(String(args[0]), watcher);
        return watcher;
      }
      return fs.watch(...args);
    },
  };
});

const { tailFolderEvents } = await import('../../../src/store/event-tail.js');
type TailedEvents = import('../../../src/store/event-tail.js').TailedEvents;

function failureOf(code: string, message: string): string[] {
  failure.code = code;
  failure.message = message;
  const said: string[] = [];
  const dir = makeTempDir('jobline-tail-');
  tailFolderEvents(dir, () => false, () => {}, (why) => said.push(why.replace(dir, '<dir>')))();
  failure.code = null;
  return said;
}

describe('a folder that cannot be watched', () => {
  it('says the limit of watches is reached (ENOSPC, EMFILE), or the error for anything else', () => {
    const limit = ['Jobs that other jobline processes run in <dir> are not followed live: the system\'s limit of file watches is reached (raise fs.inotify.max_user_watches). Their changes show when the page is reloaded.'];
    expect(failureOf('ENOSPC', 'ENOSPC: System limit for number of file watchers reached')).toEqual(limit);
    expect(failureOf('EMFILE', 'EMFILE: too many open files')).toEqual(limit);
    expect(failureOf('EACCES', 'EACCES: permission denied')).toEqual(['Jobs that other jobline processes run in <dir> are not followed live: EACCES: permission denied. Their changes show when the page is reloaded.']);
  });
});

const line = (seq: number): string => `${JSON.stringify({ ts: '2026-12-02T10:00:00.000Z', type: 'phase_started', seq })}\n`;

// Follows a folder holding job-aaaa0001 (its log: one event) through the scripted watch.
function followScripted(isOwn: (id: string) => boolean = () => false) {
  vi.useFakeTimers();
  scripted.isOn = true;
  const dir = makeTempDir('jobline-tail-');
  const log = join(dir, 'job-aaaa0001', 'events.jsonl');
  mkdirSync(join(dir, 'job-aaaa0001'));
  writeFileSync(log, line(1));
  const seen: TailedEvents[] = [];
  const failures: string[] = [];
  const stop = tailFolderEvents(dir, isOwn, (tailed) => seen.push(tailed), (why) => failures.push(why));
  // The system reports a change of `name` (a job's folder, to the folder's watch; a job's file, to
  // its folder's watch, when it has one); the follower reads once the burst is over.
  const change = (name: string | null): void => {
    const [id, file] = name?.split('/') ?? [];
    if (file === undefined) scripted.watchers.get(dir)!.listener('change', id ?? null);
    else scripted.watchers.get(join(dir, id!))?.listener('change', file);
    vi.advanceTimersByTime(20);
  };
  return { dir, log, seen, failures, stop, change, seqs: () => seen.flatMap((tailed) => tailed.events.map((event) => event.seq)) };
}

describe('each change the system reports', () => {
  afterEach(() => {
    scripted.isOn = false;
    scripted.watchers.clear();
    vi.useRealTimers();
  });

  it('of a job\'s log is read; of its other files or an unnamed change, not', () => {
    const { log, seqs, stop, change } = followScripted();
    appendFileSync(log, line(2));
    change('job-aaaa0001/job.json');
    change(null);
    expect(seqs()).toEqual([]);
    change('job-aaaa0001/events.jsonl');
    expect(seqs()).toEqual([2]);
    stop();
  });

  it('with nothing new in the log reads nothing, and the next line once', () => {
    const { log, seen, seqs, stop, change } = followScripted();
    change('job-aaaa0001/events.jsonl');
    expect(seen).toEqual([]);
    appendFileSync(log, line(2));
    change('job-aaaa0001/events.jsonl');
    change('job-aaaa0001/events.jsonl');
    appendFileSync(log, line(3));
    change('job-aaaa0001');
    expect(seqs()).toEqual([2, 3]);
    stop();
  });

  it('of a job folder never seen, and gone already, reports nothing', () => {
    const { seen, stop, change } = followScripted();
    change('job-cccc0003');
    expect(seen).toEqual([]);
    stop();
  });

  it('of a new job folder without a log yet reads nothing, and its log from its start once it is there', () => {
    const { dir, seqs, stop, change } = followScripted();
    mkdirSync(join(dir, 'job-dddd0004'));
    change('job-dddd0004');
    expect(seqs()).toEqual([]);
    writeFileSync(join(dir, 'job-dddd0004', 'events.jsonl'), line(1) + line(2));
    change('job-dddd0004/events.jsonl');
    expect(seqs()).toEqual([1, 2]);
    stop();
  });

  it('of a job this process writes is not read; once it no longer does, what others append is read from there on', () => {
    let isMine = true;
    const { log, seqs, stop, change } = followScripted(() => isMine);
    appendFileSync(log, line(2));
    change('job-aaaa0001/events.jsonl');
    expect(seqs()).toEqual([]);
    isMine = false;
    appendFileSync(log, line(3));
    change('job-aaaa0001/events.jsonl');
    expect(seqs()).toEqual([3]);
    stop();
  });

  it('that the watch fails on says why once, and stops the watch', () => {
    const { dir, failures, stop } = followScripted();
    scripted.watchers.get(dir)!.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    expect(failures).toEqual([`Jobs that other jobline processes run in ${dir} are not followed live: the system's limit of file watches is reached (raise fs.inotify.max_user_watches). Their changes show when the page is reloaded.`]);
    expect(scripted.watchers.get(dir)!.isClosed).toBe(true);
    stop();
  });
});

describe('job folders past the limit of watches', () => {
  it('are said once, and jobs made later are still read as the folder hears of them', async () => {
    const dir = makeTempDir('jobline-tail-');
    for (const id of ['job-aaaa0001', 'job-bbbb0002']) {
      mkdirSync(join(dir, id));
      writeFileSync(join(dir, id, 'events.jsonl'), '');
    }
    Object.assign(failure, { code: 'ENOSPC', message: 'ENOSPC: System limit for number of file watchers reached', onlyJobs: true });
    const said: string[] = [];
    const seen: string[] = [];
    const stop = tailFolderEvents(dir, () => false, (tailed) => seen.push(...tailed.events.map((event) => `${tailed.id} ${event.type}`)), (why) => said.push(why));
    try {
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('the system\'s limit of file watches is reached');
      mkdirSync(join(dir, 'job-cccc0003'));
      appendFileSync(join(dir, 'job-cccc0003', 'events.jsonl'), `${JSON.stringify({ ts: '2026-12-02T10:00:00.000Z', type: 'created', seq: 1 })}\n`);
      await waitFor(() => seen.length === 1, 'the new job\'s first event');
      expect(seen).toEqual(['job-cccc0003 created']);
      expect(said).toHaveLength(1);
    } finally {
      stop();
      Object.assign(failure, { code: null, onlyJobs: false });
    }
  });
});
