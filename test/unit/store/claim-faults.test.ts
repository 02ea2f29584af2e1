// The claim on a full disk (writes fail with ENOSPC, injected): taking it fails as an I/O error
// and leaves no temp file behind; releasing it removes it even when no removal marker can be
// written (a claim of this live process would otherwise hold its job for the process's life).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../helpers/temp.js';

const full = { paths: null as RegExp | null };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    writeFileSync: (...args: Parameters<typeof fs.writeFileSync>) => {
      if (full.paths?.test(String(args[0]))) {
        fs.writeFileSync(args[0], '', args[2]); // created, not written
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return fs.writeFileSync(...args);
    },
  };
});

const { readClaim, tryAcquireClaim } = await import('../../../src/store/claim.js');

describe('a claim on a full disk', () => {
  it('is not taken: an I/O error naming it, and no temp file left', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    full.paths = /\.tmp$/;
    try {
      expect(() => tryAcquireClaim(path)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringContaining(`Cannot use the claim ${path}: ENOSPC`) }));
    } finally {
      full.paths = null;
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is still released when no removal marker can be written', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    const claim = tryAcquireClaim(path)!;
    full.paths = /\.broken-/;
    try {
      claim.release();
    } finally {
      full.paths = null;
    }
    expect(existsSync(path)).toBe(false);
    expect(readClaim(path)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('released on a full disk after another took it over leaves the newer claim', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    const old = tryAcquireClaim(path, { leaseMs: 0 })!;
    const newer = tryAcquireClaim(path)!;
    full.paths = /\.broken-/;
    try {
      old.release();
    } finally {
      full.paths = null;
    }
    expect(readClaim(path)?.token).toBe(newer.record.token);
    newer.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('that is stale is still broken on a full disk: removed directly, as it still holds the token read', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    tryAcquireClaim(path, { leaseMs: 0 });
    full.paths = /\.broken-/;
    let next;
    try {
      next = tryAcquireClaim(path);
    } finally {
      full.paths = null;
    }
    expect(readClaim(path)?.token).toBe(next?.record.token);
  });

  it('is not taken past a dead remover\'s marker when no marker of that marker can be written: it waits for room', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    const dead = { pid: process.pid, hostname: hostname(), processStartedAt: '2001-01-01T00:00:00.000Z' };
    writeFileSync(path, JSON.stringify({ token: 'T', holder: dead, acquiredAt: '', expiresAt: null }));
    writeFileSync(`${path}.broken-T`, JSON.stringify({ token: 'M', holder: dead, acquiredAt: '', expiresAt: null }));
    full.paths = /\.broken-T\.broken-/;
    try {
      for (let attempt = 0; attempt < 3; attempt++) expect(tryAcquireClaim(path)).toBeNull();
    } finally {
      full.paths = null;
    }
    expect(readClaim(`${path}.broken-T`)?.token).toBe('M');
    expect(readClaim(path)?.token).toBe('T');
    // With room again, it is got past.
    expect(tryAcquireClaim(path) ?? tryAcquireClaim(path)).not.toBeNull();
  });
});
