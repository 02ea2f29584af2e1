// A jobs folder that cannot be watched (the system's limit of inotify watches, or another error):
// following it says why in one sentence, and what the user sees meanwhile.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp.js';

const failure: { code: string | null; message: string; onlyJobs?: boolean } = { code: null, message: '' };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    watch: (...args: Parameters<typeof fs.watch>) => {
      if (failure.code && (!failure.onlyJobs || String(args[0]).includes('/job-'))) throw Object.assign(new Error(failure.message), { code: failure.code });
      return fs.watch(...args);
    },
  };
});

const { tailFolderEvents } = await import('../../../src/store/event-tail.js');

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
