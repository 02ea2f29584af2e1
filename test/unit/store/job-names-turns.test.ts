// The register of job names when the folder changes under it (another process linking, releasing
// or taking over a name at the worst moment, injected here at the file system calls) and when
// names run out: a name is never given to two jobs, a live job's link is never removed, and a
// name freed meanwhile is taken. (Real races between processes: job-names-races.test.ts.)
import { mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi, afterEach } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

// Called before the real call, with its arguments; may change the folder, or throw for it.
type Hook = (...args: string[]) => void;
const hooks: { symlink?: Hook; rename?: Hook; link?: Hook } = {};
const draws: number[] = [];

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    symlinkSync: (target: string, path: string) => {
      hooks.symlink?.(target, path);
      return fs.symlinkSync(target, path);
    },
    renameSync: (from: string, to: string) => {
      hooks.rename?.(from, to);
      return fs.renameSync(from, to);
    },
    linkSync: (from: string, to: string) => {
      hooks.link?.(from, to);
      return fs.linkSync(from, to);
    },
  };
});
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, randomInt: (max: number) => (draws.length > 0 ? draws.shift()! : crypto.randomInt(max)) };
});

const { JobNames, NAME_WORDS, NAMES_FOLDER } = await import('../../../src/store/job-names.js');

afterEach(() => {
  delete hooks.symlink;
  delete hooks.rename;
  delete hooks.link;
  draws.length = 0;
});

function folder() {
  const dir = makeTempDir('jobline-names-');
  for (const id of ['job-aaaa0001', 'job-aaaa0002']) mkdirSync(join(dir, id));
  const register = join(dir, NAMES_FOLDER);
  return { dir, register, names: new JobNames(dir) };
}

// Points the link `name` of `register` at job `id`, replacing what is there.
function relink(register: string, name: string, id: string): void {
  try {
    unlinkSync(join(register, name));
  } catch {
    // none yet
  }
  symlinkSync(join('..', id), join(register, name));
}

// Once: runs `change` the first time the hook is called with a path ending so.
function once(suffix: string, change: (path: string) => void): Hook {
  let done = false;
  return (...args: string[]) => {
    const path = args.find((arg) => arg.endsWith(suffix));
    if (!done && path !== undefined) {
      done = true;
      change(path);
    }
  };
}

describe('generated names', () => {
  it('have four words after eight taken three-word names in a row', () => {
    const { names } = folder();
    draws.push(0, 0, 0);
    expect(names.claimSync('job-aaaa0001', null)).toBe([0, 0, 0].map((i) => NAME_WORDS[i]).join('-'));
    // Eight draws of the taken name, then one that would be free as three words: it has four.
    draws.push(...Array(8 * 3).fill(0), 1, 1, 1, 1);
    expect(names.claimSync('job-aaaa0002', null)).toBe([1, 1, 1, 1].map((i) => NAME_WORDS[i]).join('-'));
  });

  it('may be a name whose job is gone: the job gets it, and only it', () => {
    const { register, names } = folder();
    const name = [5, 5, 5].map((i) => NAME_WORDS[i]).join('-');
    mkdirSync(register);
    relink(register, name, 'job-gone0000');
    draws.push(5, 5, 5);
    expect(names.claimSync('job-aaaa0001', null)).toBe(name);
    expect(names.list()).toEqual([name]);
    expect(names.idOf(name)).toBe('job-aaaa0001');
  });

  it('run out after 32 taken ones: an I/O error saying so', () => {
    const { dir, names } = folder();
    draws.push(0, 0, 0);
    names.claimSync('job-aaaa0001', null);
    names.claimSync('job-aaaa0001', [0, 0, 0, 0].map((i) => NAME_WORDS[i]).join('-'));
    // 8 taken three-word names, 24 taken four-word ones; a 33rd draw would be free.
    draws.push(...Array(8 * 3 + 24 * 4).fill(0), 2, 2, 2, 2);
    expect(() => names.claimSync('job-aaaa0002', null)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: `Cannot find a free job name in ${dir} after 32 tries.` }));
  });
});

describe('a name being linked', () => {
  it('makes the register (0700) on first use, also when another process just made it', () => {
    const { register, names } = folder();
    // The register appears between the failed link and its creation here.
    let isFirst = true;
    hooks.symlink = (_target, path) => {
      if (isFirst && path.endsWith('/first')) {
        isFirst = false;
        mkdirSync(register, { mode: 0o700 });
        throw Object.assign(new Error('ENOENT: no such file or directory, symlink'), { code: 'ENOENT' });
      }
    };
    expect(names.claimSync('job-aaaa0001', 'first')).toBe('first');
    expect(names.idOf('first')).toBe('job-aaaa0001');
    const other = folder();
    expect(other.names.claimSync('job-aaaa0001', 'made')).toBe('made');
    expect(statSync(other.register).mode & 0o777).toBe(0o700);
  });

  it('in a register that keeps vanishing is an I/O error, not a taken name', () => {
    const { register, names } = folder();
    hooks.symlink = () => {
      throw Object.assign(new Error('ENOENT: no such file or directory, symlink'), { code: 'ENOENT' });
    };
    expect(() => names.claimSync('job-aaaa0001', 'gone')).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringContaining(`Cannot record a job name in ${register}: ENOENT`), cause: expect.objectContaining({ code: 'ENOENT' }) }));
  });

  it('released by its job meanwhile is linked again', () => {
    const { register, names } = folder();
    mkdirSync(register);
    let isFirst = true;
    hooks.symlink = (_target, path) => {
      if (isFirst && path.endsWith('/freed')) {
        isFirst = false;
        throw Object.assign(new Error('EEXIST: file already exists, symlink'), { code: 'EEXIST' }); // then released
      }
    };
    expect(names.claimSync('job-aaaa0001', 'freed')).toBe('freed');
    expect(readlinkSync(join(register, 'freed'))).toBe(join('..', 'job-aaaa0001'));
  });

  it('that keeps flickering (there, then gone) is given up after four tries as taken', () => {
    const { names } = folder();
    let tries = 0;
    hooks.symlink = (_target, path) => {
      if (path.endsWith('/flicker') && ++tries <= 4) throw Object.assign(new Error('EEXIST: file already exists, symlink'), { code: 'EEXIST' });
    };
    expect(() => names.claimSync('job-aaaa0001', 'flicker')).toThrow(expect.objectContaining({ code: 'JOB_NAME_TAKEN', message: 'The name flicker is taken by another job; choose another name or delete that job.' }));
    expect(names.idOf('flicker')).toBeNull();
  });
});

describe('a stale name being taken over', () => {
  function stale() {
    const made = folder();
    mkdirSync(made.register);
    relink(made.register, 'stale', 'job-gone0000');
    return made;
  }

  it('links the new job (../<id>, as every link) and leaves nothing aside', () => {
    const { register, names } = stale();
    expect(names.claimSync('job-aaaa0001', 'stale')).toBe('stale');
    expect(readlinkSync(join(register, 'stale'))).toBe(join('..', 'job-aaaa0001'));
    expect(readdirSync(register)).toEqual(['stale']);
  });

  it('that a live job took meanwhile is left to it, however late the change (before the claim, or at the rename)', () => {
    const early = stale();
    hooks.link = once('.stale.takeover', () => relink(early.register, 'stale', 'job-aaaa0002'));
    expect(() => early.names.claimSync('job-aaaa0001', 'stale')).toThrow(expect.objectContaining({ code: 'JOB_NAME_TAKEN', message: expect.stringContaining('taken by job-aaaa0002') }));
    expect(early.names.idOf('stale')).toBe('job-aaaa0002');
    delete hooks.link;
    // Changed before the claim to another job that is gone: taken over all the same.
    const again = stale();
    hooks.link = once('.stale.takeover', () => relink(again.register, 'stale', 'job-gone7777'));
    expect(again.names.claimSync('job-aaaa0001', 'stale')).toBe('stale');
    expect(again.names.idOf('stale')).toBe('job-aaaa0001');
    delete hooks.link;
    const late = stale();
    hooks.rename = once('/stale', () => relink(late.register, 'stale', 'job-aaaa0002'));
    expect(() => late.names.claimSync('job-aaaa0001', 'stale')).toThrow(expect.objectContaining({ code: 'JOB_NAME_TAKEN', message: expect.stringContaining('taken by job-aaaa0002') }));
    expect(late.names.idOf('stale')).toBe('job-aaaa0002');
    expect(readdirSync(late.register)).toEqual(['stale']);
  });

  it('that changed to another stale one at the rename, or was released, is taken all the same', () => {
    const other = stale();
    hooks.rename = once('/stale', () => relink(other.register, 'stale', 'job-gone9999'));
    expect(other.names.claimSync('job-aaaa0001', 'stale')).toBe('stale');
    expect(other.names.idOf('stale')).toBe('job-aaaa0001');
    expect(readdirSync(other.register)).toEqual(['stale']);
    delete hooks.rename;
    const released = stale();
    hooks.rename = once('/stale', () => unlinkSync(join(released.register, 'stale')));
    expect(released.names.claimSync('job-aaaa0001', 'stale')).toBe('stale');
    expect(released.names.idOf('stale')).toBe('job-aaaa0001');
  });

  it('linked by a live job in the moment it was empty is left to it; another failure is an I/O error', () => {
    const raced = stale();
    let isSet = false;
    hooks.symlink = (_target, path) => {
      // The second link of the name: the one after the stale link was set aside.
      if (path.endsWith('/stale') && readdirSync(raced.register).filter((entry) => entry === 'stale').length === 0 && !isSet) {
        isSet = true;
        relink(raced.register, 'stale', 'job-aaaa0002');
      }
    };
    expect(() => raced.names.claimSync('job-aaaa0001', 'stale')).toThrow(expect.objectContaining({ code: 'JOB_NAME_TAKEN', message: expect.stringContaining('taken by job-aaaa0002') }));
    expect(raced.names.idOf('stale')).toBe('job-aaaa0002');
    // Linked meanwhile to another job that is gone: taken over in turn.
    const staleAgain = stale();
    let isStaleSet = false;
    hooks.symlink = (_target, path) => {
      if (path.endsWith('/stale') && !readdirSync(staleAgain.register).includes('stale') && !isStaleSet) {
        isStaleSet = true;
        relink(staleAgain.register, 'stale', 'job-gone7777');
      }
    };
    expect(staleAgain.names.claimSync('job-aaaa0001', 'stale')).toBe('stale');
    expect(staleAgain.names.idOf('stale')).toBe('job-aaaa0001');
    const failing = stale();
    let hasFailed = false;
    hooks.symlink = (_target, path) => {
      if (path.endsWith('/stale') && !readdirSync(failing.register).includes('stale') && !hasFailed) {
        hasFailed = true;
        throw Object.assign(new Error('EIO: i/o error, symlink'), { code: 'EIO' });
      }
    };
    expect(() => failing.names.claimSync('job-aaaa0001', 'stale')).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringContaining('EIO'), cause: expect.objectContaining({ code: 'EIO' }) }));
    // Its claim was given up: the next taker goes.
    delete hooks.symlink;
    expect(failing.names.claimSync('job-aaaa0001', 'stale')).toBe('stale');
  });
});
