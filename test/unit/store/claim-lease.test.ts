// The claim in one process, fast (test/unit/store/claim.test.ts holds the tests across real
// processes): exclusive while its holder lives and its lease lasts; broken when stale (a holder
// gone, a lease run out while its holder lives on, a file nobody can read); a removal marker of a
// process that died mid-removal is got past; waiting holders of one process take turns; every
// refusal says who holds the claim.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { acquireClaim, isStale, readClaim, tryAcquireClaim, withClaim, type ClaimRecord } from '../../../src/store/claim.js';
import { getCurrentOwner, readProcessStartMs } from '../../../src/jobs/process/owner.js';
import { makeTempDir } from '../../helpers/temp.js';

// Another live process on this machine: the one that started this test's.
function liveOther(): ClaimRecord['holder'] {
  return { pid: process.ppid, hostname: hostname(), processStartedAt: new Date(readProcessStartMs(process.ppid) as number).toISOString() };
}

// A holder that is gone: this pid, but started at another time (the pid was reused).
function gone(): ClaimRecord['holder'] {
  return { pid: process.pid, hostname: hostname(), processStartedAt: '2001-01-01T00:00:00.000Z' };
}

function plant(path: string, record: Partial<ClaimRecord>): void {
  writeFileSync(path, JSON.stringify({ token: 'planted', holder: liveOther(), acquiredAt: '2026-11-22T10:00:00.000Z', expiresAt: null, ...record }));
}

describe('a claim', () => {
  it('is published whole (mode 0600), names this process, and leaves no temp file', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    const before = Date.now();
    const claim = tryAcquireClaim(path)!;
    expect(claim.path).toBe(path);
    expect(claim.record).toEqual({ token: expect.stringMatching(/^[0-9a-f]{16}$/), holder: getCurrentOwner(), acquiredAt: expect.any(String), expiresAt: null });
    expect(Date.parse(claim.record.acquiredAt)).toBeGreaterThanOrEqual(before - 1);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(claim.record);
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readClaim(path)).toEqual(claim.record);
    claim.release();
    claim.release();
    expect(existsSync(path)).toBe(false);
    expect(readClaim(path)).toBeUndefined();
    const lease = tryAcquireClaim(path, { leaseMs: 300 })!;
    expect(Date.parse(lease.record.expiresAt!) - Date.parse(lease.record.acquiredAt)).toBe(300);
    lease.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('held by another live process is not taken; the wait ends with CLAIM_BUSY naming the holder', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    plant(path, {});
    expect(tryAcquireClaim(path)).toBeNull();
    expect(readClaim(path)?.token).toBe('planted');
    const started = Date.now();
    await expect(acquireClaim(path, { timeoutMs: 30, subject: 'job-live0001' })).rejects.toMatchObject({
      code: 'CLAIM_BUSY',
      message: `job-live0001 is being changed by jobline pid ${process.ppid} on ${hostname()}; try again in a moment.`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    plant(path, { holder: { ...liveOther(), hostname: '' }, expiresAt: '2999-01-01T00:00:00.000Z' });
    await expect(acquireClaim(path, { timeoutMs: 0 })).rejects.toMatchObject({ message: `${path} is being changed by jobline pid ${process.ppid}; try again in a moment.` });
  });

  it('whose lease ran out is broken by the next that wants it, though its holder is alive', () => {
    const dir = makeTempDir();
    const expired = join(dir, 'expired');
    plant(expired, { expiresAt: new Date(Date.now() - 1).toISOString() });
    const next = tryAcquireClaim(expired)!;
    expect(next).not.toBeNull();
    expect(readClaim(expired)).toMatchObject({ token: next.record.token, holder: getCurrentOwner() });
    next.release();
    const unexpired = join(dir, 'unexpired');
    plant(unexpired, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect(tryAcquireClaim(unexpired)).toBeNull();
    // On another machine (whose processes cannot be checked), only its lease tells.
    const remote = join(dir, 'remote');
    plant(remote, { holder: { ...liveOther(), hostname: 'another-machine' }, expiresAt: '2020-01-01T00:00:00.000Z' });
    expect(tryAcquireClaim(remote)).not.toBeNull();
    const remoteLive = join(dir, 'remote-live');
    plant(remoteLive, { holder: { ...liveOther(), hostname: 'another-machine' } });
    expect(tryAcquireClaim(remoteLive)).toBeNull();
  });

  it('whose holder is gone, or that nobody can read, is broken', async () => {
    const dir = makeTempDir();
    const dead = join(dir, 'dead');
    plant(dead, { holder: gone() });
    expect(tryAcquireClaim(dead)).not.toBeNull();
    for (const text of ['{"tok', '{"token":1,"holder":{"pid":1}}', '{"token":"t","holder":{}}', '{"token":"t"}', 'null']) {
      const garbage = join(dir, `garbage-${text.length}`);
      writeFileSync(garbage, text);
      expect(readClaim(garbage), text).toEqual({ token: `unreadable-${text.length}`, holder: { pid: -1, hostname: '', processStartedAt: '' }, acquiredAt: '', expiresAt: null });
      const claim = await acquireClaim(garbage, { timeoutMs: 100 });
      expect(readClaim(garbage)?.token).toBe(claim.record.token);
    }
  });

  it('that cannot be read for another reason than its absence is an I/O error naming it', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    mkdirSync(path);
    expect(() => readClaim(path)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot use the claim ${path}: .*EISDIR`)) }));
    expect(() => tryAcquireClaim(join(dir, 'gone', 'claim'))).toThrow(expect.objectContaining({ code: 'CLAIM_TARGET_GONE', message: `Cannot claim ${join(dir, 'gone', 'claim')}: its folder no longer exists.`, cause: expect.objectContaining({ code: 'ENOENT' }) }));
    // A "folder" that is a file: not gone, an I/O error, with its cause.
    writeFileSync(join(dir, 'file'), '');
    const inFile = join(dir, 'file', 'claim');
    expect(() => tryAcquireClaim(inFile)).toThrow(expect.objectContaining({ code: 'JOB_IO', message: expect.stringMatching(new RegExp(`^Cannot use the claim ${inFile}: .*ENOTDIR`)), cause: expect.objectContaining({ code: 'ENOTDIR' }) }));
  });

  it('being removed by a process that died gets past its marker; a live remover\'s marker is left alone', () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    plant(path, { token: 'T', holder: gone() });
    plant(`${path}.broken-T`, { token: 'M', holder: gone() });
    // The first try breaks the dead marker; the next the dead claim.
    const claim = tryAcquireClaim(path) ?? tryAcquireClaim(path);
    expect(claim?.record.holder).toEqual(getCurrentOwner());
    expect(existsSync(`${path}.broken-T`)).toBe(false);
    claim!.release();
    const busy = join(dir, 'busy');
    plant(busy, { token: 'U', holder: gone() });
    plant(`${busy}.broken-U`, { token: 'N', holder: liveOther() });
    expect(tryAcquireClaim(busy)).toBeNull();
    expect(readClaim(busy)?.token).toBe('U');
    expect(readClaim(`${busy}.broken-U`)?.token).toBe('N');
  });

  it('released after another broke it and took over does not remove the newer one', () => {
    const path = join(makeTempDir(), 'claim');
    const old = tryAcquireClaim(path, { leaseMs: 0 })!;
    const newer = tryAcquireClaim(path)!;
    expect(newer).not.toBeNull();
    old.release();
    expect(readClaim(path)?.token).toBe(newer.record.token);
    newer.release();
  });
});

describe('isStale', () => {
  it('is true from the instant the lease runs out, for an unreadable claim, and for a holder gone', () => {
    const record = (overrides: Partial<ClaimRecord>): ClaimRecord => ({ token: 't', holder: liveOther(), acquiredAt: '', expiresAt: null, ...overrides });
    const at = Date.parse('2026-11-22T10:00:00.000Z');
    expect(isStale(record({ expiresAt: '2026-11-22T10:00:00.000Z' }), at)).toBe(true);
    expect(isStale(record({ expiresAt: '2026-11-22T10:00:00.000Z' }), at - 1)).toBe(false);
    expect(isStale(record({}), at)).toBe(false);
    expect(isStale(record({ holder: { ...liveOther(), pid: -1 } }), at)).toBe(true);
    expect(isStale(record({ holder: gone() }))).toBe(true);
    expect(isStale(record({ holder: getCurrentOwner() }))).toBe(false);
    expect(isStale(record({ holder: { ...liveOther(), hostname: 'elsewhere' } }))).toBe(false);
  });
});

describe('withClaim', () => {
  it('runs the work holding the claim and releases it however the work ends', async () => {
    const path = join(makeTempDir(), 'claim');
    expect(await withClaim(path, () => {
      expect(readClaim(path)?.holder).toEqual(getCurrentOwner());
      return 42;
    })).toBe(42);
    expect(existsSync(path)).toBe(false);
    await expect(withClaim(path, async () => {
      throw new Error('work failed');
    })).rejects.toThrow('work failed');
    expect(existsSync(path)).toBe(false);
  });

  it('lets the holders of one process take turns in order; one that waits too long gives up saying this jobline holds it', async () => {
    const path = join(makeTempDir(), 'claim');
    const order: string[] = [];
    let finish!: () => void;
    const first = withClaim(path, () => new Promise<void>((resolve) => {
      order.push('first');
      finish = resolve;
    }));
    const impatient = withClaim(path, () => order.push('impatient'), { timeoutMs: 20, subject: 'job-wait0001' });
    const patient = withClaim(path, () => order.push('patient'), { timeoutMs: 5000 });
    await expect(impatient).rejects.toMatchObject({ code: 'CLAIM_BUSY', message: 'job-wait0001 is being changed by this jobline; try again in a moment.' });
    await expect(withClaim(path, () => 0, { timeoutMs: 0 })).rejects.toMatchObject({ message: `${path} is being changed by this jobline; try again in a moment.` });
    finish();
    await first;
    await patient;
    expect(order).toEqual(['first', 'patient']);
    expect(existsSync(path)).toBe(false);
    // The queue is empty again: the next holder goes at once.
    expect(await withClaim(path, () => 'again', { timeoutMs: 0 })).toBe('again');
  });

  it('waits for another process that holds the claim, within its time', async () => {
    const path = join(makeTempDir(), 'claim');
    plant(path, {});
    const released = new Promise<void>((resolve) => setTimeout(() => {
      unlinkSync(path); // the other process releases it
      resolve();
    }, 30));
    expect(await withClaim(path, () => readClaim(path)?.holder, { timeoutMs: 2000 })).toEqual(getCurrentOwner());
    await released;
  });

  it('bounds its wait for another process by what is left of its time', async () => {
    const path = join(makeTempDir(), 'claim');
    plant(path, {});
    const started = Date.now();
    await expect(withClaim(path, () => 0, { timeoutMs: 40, subject: 'job-other001' })).rejects.toMatchObject({ code: 'CLAIM_BUSY', message: expect.stringContaining(`job-other001 is being changed by jobline pid ${process.ppid}`) });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('counts its wait in this process against its time: what is left bounds the wait for another process', async () => {
    const path = join(makeTempDir(), 'claim');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      // The first holder hands the claim over to another process as it ends (at 60 ms).
      const first = withClaim(path, async () => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        writeFileSync(path, JSON.stringify({ token: 'theirs', holder: liveOther(), acquiredAt: '', expiresAt: null }));
      });
      let outcome: unknown = 'waiting';
      const second = withClaim(path, () => 'ran', { timeoutMs: 100, subject: 'job-late0001' }).then((value) => (outcome = value), (error: unknown) => (outcome = error));
      await vi.advanceTimersByTimeAsync(95);
      expect(outcome).toBe('waiting');
      await vi.advanceTimersByTimeAsync(15);
      await second;
      expect(outcome).toMatchObject({ code: 'CLAIM_BUSY', message: expect.stringContaining(`job-late0001 is being changed by jobline pid ${process.ppid}`) });
      await first;
    } finally {
      vi.useRealTimers();
    }
  });
});
