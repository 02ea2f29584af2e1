// A jobs folder that cannot be watched (the system's limit of inotify watches, or another error):
// following it says why in one sentence, and what the user sees meanwhile. And what the follower
// does with each change the system reports, one at a time (a scripted watch, on fake timers).
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

const failure: { code: string | null; message: string } = { code: null, message: '' };
// A scripted watch: the test says which changes the system reports, and when it fails.
type Listener = (type: string, name: string | null) => void;
const scripted: { isOn: boolean; listener: Listener | null; watcher: (EventEmitter & { isClosed: boolean; close: () => void }) | null } = { isOn: false, listener: null, watcher: null };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    watch: (...args: Parameters<typeof fs.watch>) => {
      if (failure.code) throw Object.assign(new Error(failure.message), { code: failure.code });
      if (scripted.isOn) {
        scripted.listener = (args as unknown[])[2] as Listener;
        const watcher = Object.assign(new EventEmitter(), { isClosed: false, close: () => void (watcher.isClosed = true) });
        scripted.watcher = watcher;
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
  // The system reports a change of `name`; the follower reads once the burst is over.
  const change = (name: string | null): void => {
    scripted.listener!('change', name);
    vi.advanceTimersByTime(20);
  };
  return { dir, log, seen, failures, stop, change, seqs: () => seen.flatMap((tailed) => tailed.events.map((event) => event.seq)) };
}

describe('each change the system reports', () => {
  afterEach(() => {
    scripted.isOn = false;
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
    scripted.watcher!.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    expect(failures).toEqual([`Jobs that other jobline processes run in ${dir} are not followed live: the system's limit of file watches is reached (raise fs.inotify.max_user_watches). Their changes show when the page is reloaded.`]);
    expect(scripted.watcher!.isClosed).toBe(true);
    stop();
  });
});
