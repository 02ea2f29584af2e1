// The claim when the file changes under it at the worst moment (another process's claim
// published or released between two steps, injected at the file system calls): a claim released
// meanwhile is taken, a dead holder's claim that keeps coming back is given up after three tries,
// and a holder gone by the time the refusal is worded is named as another jobline (the server's claim too).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

// Called before the real call with its path arguments; may change the folder, or throw for it.
type Hook = (...paths: string[]) => void;
const hooks: { link?: Hook; read?: Hook } = {};
// Random bytes to hand out next (tokens), before real ones.
const bytes: Buffer[] = [];

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    linkSync: (from: string, to: string) => {
      hooks.link?.(String(from), String(to));
      return fs.linkSync(from, to);
    },
    readFileSync: (...args: Parameters<typeof fs.readFileSync>) => {
      hooks.read?.(String(args[0]));
      return fs.readFileSync(...args);
    },
  };
});

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, randomBytes: (size: number) => bytes.shift() ?? crypto.randomBytes(size) };
});

const { acquireClaim, readClaim, tryAcquireClaim } = await import('../../../src/store/claim.js');
const { getCurrentOwner } = await import('../../../src/jobs/process/owner.js');

afterEach(() => {
  delete hooks.link;
  delete hooks.read;
  bytes.length = 0;
});

// A claim of a process that is gone: this pid, started at another time (the pid was reused).
function plantDead(path: string, token: string): void {
  writeFileSync(path, JSON.stringify({ token, holder: { pid: process.pid, hostname: hostname(), processStartedAt: '2001-01-01T00:00:00.000Z' }, acquiredAt: '', expiresAt: null }));
}

describe('a claim wanted while the file changes', () => {
  it('released between a refused publish and the read of its holder is taken at the next try', () => {
    const path = join(makeTempDir(), 'claim');
    let isPlanted = false;
    hooks.link = (_from, to) => {
      if (to === path && !isPlanted) {
        isPlanted = true;
        plantDead(path, 'brief');
        hooks.read = (read) => {
          if (read === path) {
            delete hooks.read;
            unlinkSync(path); // released before we read it
          }
        };
      }
    };
    const claim = tryAcquireClaim(path);
    expect(claim?.record.holder).toEqual(getCurrentOwner());
    expect(readClaim(path)?.token).toBe(claim!.record.token);
    claim!.release();
  });

  it('of a dead holder that keeps coming back is given up after three tries; a fourth would be free', () => {
    const path = join(makeTempDir(), 'claim');
    let tries = 0;
    hooks.link = (_from, to) => {
      if (to === path && ++tries <= 3) plantDead(path, `dead-${tries}`);
    };
    expect(tryAcquireClaim(path)).toBeNull();
    expect(tries).toBe(3);
    expect(existsSync(path)).toBe(false); // the last dead one was broken
    expect(tryAcquireClaim(path)).not.toBeNull();
  });

  it('refused past its time names the holder as another jobline when it left before the refusal was worded', async () => {
    const path = join(makeTempDir(), 'claim');
    writeFileSync(path, JSON.stringify({ token: 'live', holder: getCurrentOwner(), acquiredAt: '', expiresAt: null }));
    let reads = 0;
    hooks.read = (read) => {
      if (read === path && ++reads === 2) unlinkSync(path); // gone after the try, before the message
    };
    await expect(acquireClaim(path, { timeoutMs: 0, subject: 'job-left0001' })).rejects.toMatchObject({ code: 'CLAIM_BUSY', message: 'job-left0001 is being changed by another jobline; try again in a moment.' });
  });
});

describe('a claim whose folder fails it', () => {
  it('whose folder is removed while it is being published is refused as gone, leaving nothing', () => {
    const dir = join(makeTempDir(), 'job');
    mkdirSync(dir);
    const path = join(dir, 'claim');
    hooks.link = (_from, to) => {
      if (to === path) rmSync(dir, { recursive: true });
    };
    expect(() => tryAcquireClaim(path)).toThrow(expect.objectContaining({ code: 'CLAIM_TARGET_GONE', message: `Cannot claim ${path}: its folder no longer exists.`, cause: expect.objectContaining({ code: 'ENOENT' }) }));
  });

  it('that cannot be linked for another reason is an I/O error naming its cause, and leaves no temp file', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    hooks.link = (_from, to) => {
      if (to === path) throw Object.assign(new Error('EIO: i/o error, link'), { code: 'EIO' });
    };
    expect(() => tryAcquireClaim(path)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: `Cannot use the claim ${path}: EIO: i/o error, link`, cause: expect.objectContaining({ code: 'EIO' }) }));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('whose temp file name is another file\'s already is an I/O error, and that file is left alone', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    const token = Buffer.from('0123456789abcdef', 'hex');
    writeFileSync(`${path}.${token.toString('hex')}.tmp`, 'not ours');
    bytes.push(token);
    expect(() => tryAcquireClaim(path)).toThrow(expect.objectContaining({ code: 'JOB_IO', cause: expect.objectContaining({ code: 'EEXIST' }) }));
    expect(readFileSync(`${path}.${token.toString('hex')}.tmp`, 'utf8')).toBe('not ours');
  });
});

describe('a stale claim being broken', () => {
  it('is marked, while it is removed, with this process as the remover (so others wait rather than break it)', () => {
    const path = join(makeTempDir(), 'claim');
    plantDead(path, 'T');
    let marker: unknown;
    hooks.read = (read) => {
      if (read === path && existsSync(`${path}.broken-T`)) marker = JSON.parse(readFileSync(`${path}.broken-T`, 'utf8'));
    };
    const claim = tryAcquireClaim(path);
    expect(claim).not.toBeNull();
    expect(marker).toEqual({ token: expect.stringMatching(/^[0-9a-f]{16}$/), holder: getCurrentOwner(), acquiredAt: expect.any(String), expiresAt: null });
    expect(existsSync(`${path}.broken-T`)).toBe(false);
  });

  it('that its remover\'s marker left before it could be read, or that went before its removal, is taken all the same', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    plantDead(path, 'T');
    // Another remover's marker is there when ours is refused, and gone when we read it.
    let isPlanted = false;
    hooks.link = (_from, to) => {
      if (to === `${path}.broken-T` && !isPlanted) {
        isPlanted = true;
        plantDead(to, 'M');
        hooks.read = (read) => {
          if (read === to) {
            delete hooks.read;
            unlinkSync(to);
          }
        };
      }
    };
    expect(tryAcquireClaim(path)?.record.holder).toEqual(getCurrentOwner());
    const other = join(dir, 'other');
    plantDead(other, 'U');
    // The stale claim is gone (released by hand) by the time our marker is up.
    hooks.link = (_from, to) => {
      if (to === `${other}.broken-U` && existsSync(other)) unlinkSync(other);
    };
    expect(tryAcquireClaim(other)?.record.holder).toEqual(getCurrentOwner());
  });

  it('gets past dead removers\' markers of markers up to four deep; a deeper pile is left for a person', () => {
    const dir = makeTempDir();
    // claim T, claim.broken-T (token M1), claim.broken-T.broken-M1 (token M2), ...
    const pile = (name: string, depth: number): string => {
      const path = join(dir, name);
      plantDead(path, 'T');
      let marker = `${path}.broken-T`;
      for (let level = 1; level <= depth; level++) {
        plantDead(marker, `M${level}`);
        marker = `${marker}.broken-M${level}`;
      }
      return path;
    };
    const four = pile('four', 4);
    let claim = null;
    for (let attempt = 0; attempt < 10 && !claim; attempt++) claim = tryAcquireClaim(four);
    expect(claim?.record.holder).toEqual(getCurrentOwner());
    expect(readdirSync(dir).filter((name) => name.startsWith('four.'))).toEqual([]);
    const five = pile('five', 5);
    for (let attempt = 0; attempt < 10; attempt++) expect(tryAcquireClaim(five)).toBeNull();
    expect(readClaim(five)?.token).toBe('T');
    expect(readdirSync(dir).filter((name) => name.startsWith('five.'))).toHaveLength(5);
  });
});

describe('the server\'s claim', () => {
  it('refused, whose server left before the refusal was worded, says a server runs without a pid', async () => {
    const { claimServerPresence, SERVER_FILES } = await import('../../../src/store/server-presence.js');
    const dir = makeTempDir();
    const path = join(dir, SERVER_FILES.claim);
    writeFileSync(path, JSON.stringify({ token: 'live', holder: getCurrentOwner(), acquiredAt: '', expiresAt: null }));
    let reads = 0;
    hooks.read = (read) => {
      if (read === path && ++reads === 2) unlinkSync(path);
    };
    expect(() => claimServerPresence(dir)).toThrow(expect.objectContaining({ code: 'SERVER_RUNNING', message: `A jobline server already runs on ${dir}. Use it (jobline attaches to it), or stop it first.` }));
  });
});
