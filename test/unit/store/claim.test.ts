// The claim: exclusive across processes, broken only when stale (dead holder, lease run out).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireClaim, readClaim, tryAcquireClaim, withClaim, type ClaimRecord } from '../../../src/store/claim.js';
import { getCurrentOwner, readProcessStartMs } from '../../../src/jobs/process/owner.js';
import { makeTempDir } from '../../helpers/temp.js';
import { isProcessAlive, waitFor } from '../../helpers/wait.js';

const CLAIM_JS = fileURLToPath(new URL('../../../dist/store/claim.js', import.meta.url));

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function plant(path: string, record: Partial<ClaimRecord>): void {
  writeFileSync(path, JSON.stringify({ token: 'planted', holder: getCurrentOwner(), acquiredAt: '2026-11-22T10:00:00.000Z', expiresAt: null, ...record }));
}

describe('claim', () => {
  it('is exclusive, names its holder, and can be taken again once released', () => {
    const path = join(makeTempDir(), 'claim');
    const first = tryAcquireClaim(path)!;
    expect(first.record.holder).toEqual(getCurrentOwner());
    expect(readClaim(path)?.token).toBe(first.record.token);
    expect(tryAcquireClaim(path)).toBeNull();
    first.release();
    expect(existsSync(path)).toBe(false);
    const second = tryAcquireClaim(path)!;
    expect(second.record.token).not.toBe(first.record.token);
    first.release(); // a second release of an old claim must not remove the new one
    expect(readClaim(path)?.token).toBe(second.record.token);
    second.release();
  });

  it('breaks a claim whose holder is dead, an expired lease and an unreadable file, but not a live holder', async () => {
    const dir = makeTempDir();
    const dead = join(dir, 'dead');
    plant(dead, { holder: { ...getCurrentOwner(), pid: await deadPid() } });
    expect(tryAcquireClaim(dead)).not.toBeNull();
    const expired = join(dir, 'expired');
    plant(expired, { holder: { ...getCurrentOwner(), hostname: 'another-machine' }, expiresAt: '2020-01-01T00:00:00.000Z' });
    expect(tryAcquireClaim(expired)).not.toBeNull();
    const unexpired = join(dir, 'unexpired');
    plant(unexpired, { holder: { ...getCurrentOwner(), hostname: 'another-machine' }, expiresAt: '2999-01-01T00:00:00.000Z' });
    expect(tryAcquireClaim(unexpired)).toBeNull();
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, '{"tok');
    expect(tryAcquireClaim(garbage)).not.toBeNull();
    const child = spawn('sleep', ['30']);
    try {
      const live = join(dir, 'live');
      plant(live, { holder: { ...getCurrentOwner(), pid: child.pid!, processStartedAt: new Date(readProcessStartMs(child.pid!) as number).toISOString() } });
      expect(tryAcquireClaim(live)).toBeNull();
      await expect(acquireClaim(live, { timeoutMs: 50, subject: 'job-live0001' })).rejects.toMatchObject({
        code: 'CLAIM_BUSY',
        message: expect.stringContaining(`job-live0001 is being changed by jobline pid ${child.pid}`),
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('breaks a lease that ran out while its holder, another process on this machine, is still alive', async () => {
    const path = join(makeTempDir(), 'claim');
    // The holder takes the claim with a lease of 300 ms, says so, and stays alive (it never releases).
    const script = `
      const { tryAcquireClaim } = await import(${JSON.stringify(CLAIM_JS)});
      const claim = tryAcquireClaim(${JSON.stringify(path)}, { leaseMs: 300 });
      process.stdout.write(JSON.stringify(claim.record) + '\\n');
      setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let said = '';
      holder.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()));
      const record = JSON.parse(await waitFor(() => (said.includes('\n') ? said : null), 'the holder to take the claim')) as ClaimRecord;
      expect(record.holder.pid).toBe(holder.pid);
      expect(Date.parse(record.expiresAt!) - Date.parse(record.acquiredAt)).toBe(300);
      // Within the lease the live holder keeps it.
      expect(tryAcquireClaim(path)).toBeNull();
      await waitFor(() => Date.now() > Date.parse(record.expiresAt!), 'the lease to run out');
      expect(isProcessAlive(holder.pid!)).toBe(true);
      const next = tryAcquireClaim(path)!;
      expect(next).not.toBeNull();
      expect(readClaim(path)).toMatchObject({ token: next.record.token, holder: getCurrentOwner() });
      next.release();
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('gets past a removal marker left by a process that died while removing', async () => {
    const path = join(makeTempDir(), 'claim');
    const holder = { ...getCurrentOwner(), pid: await deadPid() };
    plant(path, { token: 'T', holder });
    plant(`${path}.broken-T`, { token: 'M', holder });
    // The first try breaks the dead marker; a later one the dead claim.
    const claim = (await acquireClaim(path, { timeoutMs: 1000 }));
    expect(claim.record.holder).toEqual(getCurrentOwner());
    expect(existsSync(`${path}.broken-T`)).toBe(false);
  });

  it('fails with CLAIM_TARGET_GONE when its folder was removed', () => {
    expect(() => tryAcquireClaim(join(makeTempDir(), 'gone', 'claim'))).toThrow(expect.objectContaining({ code: 'CLAIM_TARGET_GONE' }));
  });

  it('keeps 6 processes out of each other: no increment of a shared counter is lost', async () => {
    const dir = makeTempDir();
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    // Each process increments the counter 40 times, read-yield-write, under the claim: without
    // mutual exclusion increments are lost.
    const script = `
      const { acquireClaim } = await import(${JSON.stringify(CLAIM_JS)});
      const fs = await import('node:fs');
      for (let i = 0; i < 40; i++) {
        const claim = await acquireClaim(${JSON.stringify(join(dir, 'claim'))}, { timeoutMs: 20000 });
        const value = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8'));
        await new Promise((resolve) => setImmediate(resolve));
        fs.writeFileSync(${JSON.stringify(counter)}, String(value + 1));
        claim.release();
      }`;
    const runs = Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => {
      spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('exit', resolve);
    }));
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Number(readFileSync(counter, 'utf8'))).toBe(240);
  }, 60_000);

  it('lets holders in one process take turns in the order they asked, however many wait', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'claim');
    const order: number[] = [];
    await Promise.all(Array.from({ length: 300 }, (_, i) => withClaim(path, async () => {
      order.push(i);
      await new Promise((resolve) => setImmediate(resolve));
    }, { timeoutMs: 60_000 })));
    expect(order).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});
