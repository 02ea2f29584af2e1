// A jobs folder that cannot be watched (the system's limit of inotify watches, or another error):
// following it says why in one sentence, and what the user sees meanwhile.
import { describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

const failure: { code: string | null; message: string } = { code: null, message: '' };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    watch: (...args: Parameters<typeof fs.watch>) => {
      if (failure.code) throw Object.assign(new Error(failure.message), { code: failure.code });
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
