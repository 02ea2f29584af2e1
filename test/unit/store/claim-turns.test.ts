// The claim when the file changes under it at the worst moment (another process's claim
// published or released between two steps, injected at the file system calls): a claim released
// meanwhile is taken, a dead holder's claim that keeps coming back is given up after three tries,
// and a holder gone by the time the refusal is worded is named as another jobline.
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

// Called before the real call with its path arguments; may change the folder.
type Hook = (...paths: string[]) => void;
const hooks: { link?: Hook; read?: Hook } = {};

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

const { acquireClaim, readClaim, tryAcquireClaim } = await import('../../../src/store/claim.js');
const { getCurrentOwner } = await import('../../../src/jobs/process/owner.js');

afterEach(() => {
  delete hooks.link;
  delete hooks.read;
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
