// The jobs folder's other files: the server's presence (one server per folder, its token and
// server.json, found only while it lives), a job's manifest read back (a hostile one refused),
// new job ids, and what crashes leave behind swept (never a creation in progress).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJob } from '../../../src/jobs/model/job.js';
import { foldTaskRecords } from '../../../src/jobs/model/task-history.js';
import { manifestOf } from '../../../src/jobs/service/job-manifests.js';
import { readProcessStartMs } from '../../../src/jobs/process/owner.js';
import { INBOX_DIR, inboxPathOf } from '../../../src/store/job-requests.js';
import { LEFTOVER_AGE_MS, sweepLeftovers } from '../../../src/store/leftovers.js';
import { buildManifestSchema, readManifestFile } from '../../../src/store/manifest-file.js';
import { generateJobId } from '../../../src/store/new-job-id.js';
import { claimServerPresence, findServer, isServerRunning, MAX_SOCKET_PATH_BYTES, SERVER_FILES, serverSocketPath } from '../../../src/store/server-presence.js';
import { MAX_JOB_FILE_BYTES } from '../../../src/store/job-file.js';
import { FIXED_NOW, makeJob } from '../../helpers/jobs.js';
import { makeTempDir } from '../../helpers/temp.js';

// A pid no process has (above Linux's largest).
const NO_PID = 99_999_999;

describe('a server\'s presence', () => {
  it('holds the folder for one server: its token (0600), its socket path, and what it announces', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, SERVER_FILES.socket), 'left by a dead server');
    writeFileSync(join(dir, SERVER_FILES.info), '{}');
    const presence = claimServerPresence(dir);
    expect(presence.socketPath).toBe(serverSocketPath(dir));
    expect(presence.socketPath).toBe(join(dir, 'jobline.sock'));
    expect(existsSync(presence.socketPath)).toBe(false);
    expect(existsSync(join(dir, SERVER_FILES.info))).toBe(false);
    expect(presence.token).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, 'server-token'), 'utf8')).toBe(`${presence.token}\n`);
    expect(statSync(join(dir, 'server-token')).mode & 0o777).toBe(0o600);
    // Not found until it says where it listens.
    expect(findServer(dir)).toBeNull();
    const info = { pid: process.pid, socketPath: presence.socketPath, port: 4321, startedAt: FIXED_NOW, version: '1.2.3' };
    presence.announce(info);
    expect(readFileSync(join(dir, 'server.json'), 'utf8')).toBe(`${JSON.stringify(info, null, 2)}\n`);
    expect(findServer(dir)).toEqual({ info, token: presence.token });
    expect(() => claimServerPresence(dir)).toThrow(expect.objectContaining({ code: 'SERVER_RUNNING', message: `A jobline server already runs on ${dir} (pid ${process.pid}). Use it (jobline attaches to it), or stop it first.` }));
    writeFileSync(join(dir, SERVER_FILES.socket), '');
    presence.release();
    presence.release();
    for (const name of ['server.json', 'server-token', 'jobline.sock', 'server.claim']) expect(existsSync(join(dir, name)), name).toBe(false);
    expect(findServer(dir)).toBeNull();
    claimServerPresence(dir).release();
  });

  it('is not found when its files do not agree: another pid, no socket, a bad token, broken JSON', () => {
    const dir = makeTempDir();
    const presence = claimServerPresence(dir);
    const good = { pid: process.pid, socketPath: presence.socketPath, port: null, startedAt: FIXED_NOW, version: '1' };
    presence.announce({ ...good, pid: process.pid + 1 });
    expect(findServer(dir)).toBeNull();
    presence.announce({ ...good, socketPath: 7 as never });
    expect(findServer(dir)).toBeNull();
    presence.announce(good);
    writeFileSync(join(dir, SERVER_FILES.token), 'short\n');
    expect(findServer(dir)).toBeNull();
    writeFileSync(join(dir, SERVER_FILES.token), `${'A'.repeat(64)}\n`);
    expect(findServer(dir)).toBeNull();
    for (const token of [`x${'a'.repeat(64)}`, `${'a'.repeat(64)}x`, 'a'.repeat(63)]) {
      writeFileSync(join(dir, SERVER_FILES.token), `${token}\n`);
      expect(findServer(dir), token).toBeNull();
    }
    writeFileSync(join(dir, SERVER_FILES.token), `${'a'.repeat(64)}\n`);
    expect(findServer(dir)?.token).toBe('a'.repeat(64));
    writeFileSync(join(dir, SERVER_FILES.info), '{"pid":');
    expect(findServer(dir)).toBeNull();
    presence.release();
  });

  it('of a server that died is not found, and the next server takes the folder over', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, SERVER_FILES.claim), JSON.stringify({ token: 't', holder: { pid: process.pid, hostname: hostname(), processStartedAt: '2001-01-01T00:00:00.000Z' }, acquiredAt: FIXED_NOW, expiresAt: null }));
    writeFileSync(join(dir, SERVER_FILES.info), JSON.stringify({ pid: process.pid, socketPath: 's', port: null, startedAt: FIXED_NOW, version: '1' }));
    writeFileSync(join(dir, SERVER_FILES.token), `${'a'.repeat(64)}\n`);
    expect(findServer(dir)).toBeNull();
    const next = claimServerPresence(dir);
    expect(next.token).not.toBe('a'.repeat(64));
    next.release();
    // A holder on another machine whose pid the claim does not say: no pid in the message.
    writeFileSync(join(dir, SERVER_FILES.claim), JSON.stringify({ token: 't', holder: { pid: 0, hostname: 'another-machine', processStartedAt: FIXED_NOW }, acquiredAt: FIXED_NOW, expiresAt: null }));
    expect(() => claimServerPresence(dir)).toThrow(`A jobline server already runs on ${dir}. Use it`);
  });

  it('released twice removes nothing of a server that took the folder since', () => {
    const dir = makeTempDir();
    const first = claimServerPresence(dir);
    first.release();
    const second = claimServerPresence(dir);
    second.announce({ pid: process.pid, socketPath: second.socketPath, port: null, startedAt: FIXED_NOW, version: '1' });
    first.release();
    expect(findServer(dir)?.token).toBe(second.token);
    second.release();
  });

  it('needs a socket path Linux accepts: at most 107 bytes', () => {
    const base = makeTempDir();
    const fits = join(base, 'x'.repeat(MAX_SOCKET_PATH_BYTES - base.length - 1 - 'jobline.sock'.length - 1));
    mkdirSync(fits);
    expect(Buffer.byteLength(serverSocketPath(fits))).toBe(MAX_SOCKET_PATH_BYTES);
    claimServerPresence(fits).release();
    const long = `${fits}y`;
    mkdirSync(long);
    expect(() => claimServerPresence(long)).toThrow(expect.objectContaining({ code: 'SERVER_SOCKET_PATH', message: `The jobs folder's path is too long for a Unix socket (${serverSocketPath(long)}: over 107 bytes). Set a shorter jobsDir (or JOBLINE_JOBS_DIR).` }));
  });

  it('isServerRunning: true for a live process, false for a pid no process has', () => {
    expect(isServerRunning({ pid: process.pid })).toBe(true);
    expect(isServerRunning({ pid: NO_PID })).toBe(false);
  });
});

describe('a job\'s manifest read back', () => {
  const manifest = () => {
    const job = { ...createJob({ id: 'job-abcd1234', agent: 'sh', description: 'p', mode: 'background', phaseNames: ['run'], owner: makeJob().owner, now: FIXED_NOW }), status: 'completed' as const, endedAt: FIXED_NOW };
    return manifestOf(job, foldTaskRecords(job, []), { type: 'command' });
  };

  it('is the manifest as written; none is null', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'job_manifest.json');
    expect(await readManifestFile(path)).toBeNull();
    writeFileSync(path, JSON.stringify(manifest()));
    expect(await readManifestFile(path)).toEqual(manifest());
    expect(buildManifestSchema().safeParse(manifest()).success).toBe(true);
  });

  it('is refused when it is not JSON, not a manifest, or has a field it should not', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'job_manifest.json');
    const refusal = async (value: unknown): Promise<string> => {
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
      try {
        await readManifestFile(path);
      } catch (error) {
        expect(error).toMatchObject({ code: 'JOB_FILE_CORRUPT' });
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(await refusal('{"torn')).toBe(`${path} is not JSON.`);
    expect(await refusal({ ...manifest(), extra: 1 })).toBe(`${path} is not a job manifest: (top): Unrecognized key: "extra".`);
    expect(await refusal({ ...manifest(), id: '../x' })).toBe(`${path} is not a job manifest: id: expected a job id.`);
    expect(await refusal({ ...manifest(), name: 'a b' })).toBe(`${path} is not a job manifest: name: expected a job name.`);
    expect(await refusal({ ...manifest(), createdAt: 'today' })).toBe(`${path} is not a job manifest: createdAt: expected an ISO-8601 UTC time.`);
    expect(await refusal({ ...manifest(), manifestVersion: 3 })).toMatch(/: manifestVersion: /);
    expect(await refusal({ ...manifest(), manifestVersion: 1 })).toBe('accepted');
    expect(await refusal({ ...manifest(), provenance: { ...manifest().provenance, configHash: 'sha256:x' } })).toMatch(/: provenance\.configHash: /);
    const hash = manifest().provenance.configHash;
    for (const configHash of [`x${hash}`, `${hash}0`]) expect(await refusal({ ...manifest(), provenance: { ...manifest().provenance, configHash } }), configHash).toMatch(/: provenance\.configHash: /);
    expect(await refusal({ ...manifest(), provenance: { ...manifest().provenance, agent: 'a b' } })).toMatch(/: provenance\.agent: /);
    expect(await refusal({ ...manifest(), provenance: { ...manifest().provenance, joblineVersion: '' } })).toMatch(/: provenance\.joblineVersion: /);
    expect(await refusal({ ...manifest(), queuedMs: -1 })).toMatch(/: queuedMs: /);
    expect(await refusal({ ...manifest(), moreFilesModified: 1.5 })).toMatch(/: moreFilesModified: /);
    expect(await refusal({ ...manifest(), usage: { input: 1, output: 1, cached: 0, costUsd: -1 } })).toMatch(/: usage\.costUsd: /);
    expect(await refusal({ ...manifest(), usage: { input: 1, output: 1, cached: 0, extra: 1 } })).toMatch(/: usage: Unrecognized key/);
    expect(await refusal({ ...manifest(), budget: { usd: -1 } })).toMatch(/: budget\.usd: /);
    expect(await refusal({ ...manifest(), template: { name: 'a b', values: {} } })).toMatch(/: template\.name: /);
    expect(await refusal({ ...manifest(), template: { name: 't', values: { 'a b': 'x' } } })).toMatch(/: template\.values\.a b: /);
    expect(await refusal({ ...manifest(), phases: [{ ...manifest().phases[0], name: 'a b' }] })).toMatch(/: phases\.0\.name: /);
    expect(await refusal({ ...manifest(), phases: [{ ...manifest().phases[0], startedAt: 'x' }] })).toMatch(/: phases\.0\.startedAt: expected an ISO-8601 UTC time/);
    for (const time of ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.1Z', '2026-11-22T10:00:00.123Z']) expect(await refusal({ ...manifest(), createdAt: time }), time).toBe('accepted');
    for (const time of ['2026-11-22T10:00:00.1234Z', 'x2026-11-22T10:00:00Z', '2026-11-22T10:00:00Zx', '2026-11-22T10:00:00']) expect(await refusal({ ...manifest(), createdAt: time }), time).toMatch(/createdAt/);
  });

  it('that cannot be read is an I/O error, not missing', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'job_manifest.json'));
    await expect(readManifestFile(join(dir, 'job_manifest.json'))).rejects.toMatchObject({ code: 'JOB_IO' });
    // Far larger than any manifest jobline writes: refused as corrupt, not read.
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, Buffer.alloc(MAX_JOB_FILE_BYTES + 1, 0x20));
    await expect(readManifestFile(huge)).rejects.toMatchObject({ code: 'JOB_FILE_CORRUPT', message: expect.stringContaining(`Corrupt job file ${huge}: it is 8 MB`) });
  });
});

describe('new job ids', () => {
  it('are job- and eight letters or digits, spread over all of them', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const id = generateJobId();
      expect(id).toMatch(/^job-[a-z0-9]{8}$/);
      for (const character of id.slice(4)) seen.add(character);
    }
    expect(seen.size).toBe(36);
  });
});

describe('sweeping leftovers', () => {
  const age = (path: string, ms: number): void => {
    const when = new Date(Date.now() - ms);
    utimesSync(path, when, when);
  };

  it('removes old folders without job.json and old temp files; a creation or a write in progress stays', () => {
    const dir = makeTempDir();
    const cut = join(dir, 'job-cut00000');
    mkdirSync(cut);
    age(cut, LEFTOVER_AGE_MS + 5000);
    const fresh = join(dir, 'job-new00000');
    mkdirSync(fresh);
    const whole = join(dir, 'job-whole000');
    mkdirSync(whole);
    writeFileSync(join(whole, 'job.json'), '{}');
    age(whole, LEFTOVER_AGE_MS + 5000);
    const oldTemp = join(dir, '.ended-index.1-0.tmp');
    writeFileSync(oldTemp, '');
    age(oldTemp, LEFTOVER_AGE_MS + 5000);
    const newTemp = join(dir, '.ended-index.2-0.tmp');
    writeFileSync(newTemp, '');
    age(newTemp, LEFTOVER_AGE_MS - 5000);
    // In a job's folder: a job.json temp whose writer is dead goes at once; one whose writer lives stays; others by age.
    const deadWriter = join(whole, `job.json.${NO_PID}-0.3.tmp`);
    const olderBuild = join(whole, `job.json.${NO_PID}.4.tmp`);
    const liveWriter = join(whole, `job.json.${process.pid}-1.5.tmp`);
    const otherOld = join(whole, 'tasks.jsonl.tmp');
    const otherNew = join(whole, 'claim.abc.tmp');
    for (const path of [deadWriter, olderBuild, liveWriter, otherOld, otherNew]) writeFileSync(path, '');
    age(otherOld, LEFTOVER_AGE_MS + 5000);
    writeFileSync(join(dir, 'not-a-job'), '');
    const swept = sweepLeftovers(dir);
    expect(swept.emptyFolders).toEqual([cut]);
    expect(swept.tempFiles.sort()).toEqual([oldTemp, deadWriter, olderBuild, otherOld].sort());
    for (const path of [fresh, newTemp, liveWriter, otherNew, join(whole, 'job.json')]) expect(existsSync(path), path).toBe(true);
    for (const path of [cut, oldTemp, deadWriter, olderBuild, otherOld]) expect(existsSync(path), path).toBe(false);
    expect(sweepLeftovers(join(dir, 'missing'))).toEqual({ emptyFolders: [], tempFiles: [] });
  });

  it('takes only what is jobline\'s and old: a job\'s files, other folders and names not quite jobline\'s stay', () => {
    const dir = makeTempDir();
    const job = join(dir, 'job-whole001');
    mkdirSync(job);
    writeFileSync(join(job, 'job.json'), '{}');
    writeFileSync(join(job, 'output.log'), 'x');
    const notQuite = [`xjob.json.${NO_PID}-0.3.tmp`, `job.json.${NO_PID}-0.3.tmp.tmp`, `job.json.${NO_PID}-0.3.tmpx.tmp`];
    for (const name of notQuite) writeFileSync(join(job, name), '');
    // jobline's own, of a dead writer, with numbers of several digits: gone at once.
    const dead = [`job.json.${NO_PID}-12.34.tmp`, `job.json.${NO_PID}.56.tmp`];
    for (const name of dead) writeFileSync(join(job, name), '');
    age(join(job, 'output.log'), LEFTOVER_AGE_MS + 5000);
    age(job, LEFTOVER_AGE_MS + 5000);
    const other = join(dir, 'notes');
    mkdirSync(other);
    age(other, LEFTOVER_AGE_MS + 5000);
    const swept = sweepLeftovers(dir);
    expect(swept).toEqual({ emptyFolders: [], tempFiles: dead.map((name) => join(job, name)).sort() });
    expect(readdirSync(job).sort()).toEqual(['job.json', 'output.log', ...notQuite].sort());
    expect(existsSync(other)).toBe(true);
  });

  it('counts a leftover as old only past the age, not at it; a folder is removed with what it holds', () => {
    const dir = makeTempDir();
    const cut = join(dir, 'job-cut00000');
    mkdirSync(join(cut, 'runs'), { recursive: true });
    writeFileSync(join(cut, 'runs', 'r1.log'), 'x');
    const mtime = statSync(cut).mtimeMs;
    expect(sweepLeftovers(dir, mtime + LEFTOVER_AGE_MS).emptyFolders).toEqual([]);
    expect(sweepLeftovers(dir, mtime + LEFTOVER_AGE_MS + 1).emptyFolders).toEqual([cut]);
    expect(existsSync(cut)).toBe(false);
  });

  it('judges age from the time given', () => {
    const dir = makeTempDir();
    const cut = join(dir, 'job-cut00000');
    mkdirSync(cut);
    expect(sweepLeftovers(dir, Date.now()).emptyFolders).toEqual([]);
    expect(sweepLeftovers(dir, Date.now() + LEFTOVER_AGE_MS + 1000).emptyFolders).toEqual([cut]);
  });

  it('removes the inboxes of this host\'s processes that ended, not a live one\'s or another host\'s', () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, INBOX_DIR));
    const me = { pid: process.pid, hostname: hostname(), processStartedAt: new Date(readProcessStartMs(process.pid) as number).toISOString() };
    const live = inboxPathOf(dir, me);
    const ended = inboxPathOf(dir, { ...me, processStartedAt: '2001-01-01T00:00:00.000Z' });
    const elsewhere = inboxPathOf(dir, { ...me, hostname: 'another-host', processStartedAt: '2001-01-01T00:00:00.000Z' });
    const odd = join(dir, INBOX_DIR, 'not-an-inbox');
    for (const path of [live, ended, elsewhere, odd]) writeFileSync(path, '');
    expect(sweepLeftovers(dir).tempFiles).toEqual([ended]);
    for (const path of [live, elsewhere, odd]) expect(existsSync(path), path).toBe(true);
  });
});

describe('sweeping leftovers, on odd entries', () => {
  it('leaves what it cannot judge or remove, and says only what it removed', () => {
    const dir = makeTempDir();
    // A temp name whose age cannot be read (a link to nothing): kept.
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.tmp'));
    // An old folder with a temp's name cannot be unlinked: kept, not reported.
    const folderTemp = join(dir, 'stuck.tmp');
    mkdirSync(folderTemp);
    // A file named like a job: no job folder to look into.
    writeFileSync(join(dir, 'job-file0000'), '');
    const later = Date.now() + LEFTOVER_AGE_MS + 60_000;
    expect(sweepLeftovers(dir, later)).toEqual({ emptyFolders: [], tempFiles: [] });
    expect(readdirSync(dir).sort()).toEqual(['dangling.tmp', 'job-file0000', 'stuck.tmp']);
    // An old job folder with its job.json is a job: it stays.
    const job = join(dir, 'job-whole002');
    mkdirSync(job);
    writeFileSync(join(job, 'job.json'), '{}');
    expect(sweepLeftovers(dir, later)).toEqual({ emptyFolders: [], tempFiles: [] });
    expect(existsSync(join(job, 'job.json'))).toBe(true);
  });
});
