// The register of job names on a real folder: one job per name (in any case, from several
// processes at once), names freed by removal or left by a crash, and generated names of words.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { generateJobName, JobNames, NAME_WORDS } from '../../../src/store/job-names.js';
import { resolveJobReference } from '../../../src/jobs/model/job-id.js';
import { makeTempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

function folder(ids: string[] = ['job-aaaa0001', 'job-aaaa0002', 'job-bbbb0003']) {
  const dir = makeTempDir('jobline-names-');
  for (const id of ids) mkdirSync(join(dir, id));
  return { dir, names: new JobNames(dir) };
}

describe('job names', () => {
  it('gives a name to one job only, whatever its case, and keeps it until the job is gone', () => {
    const { dir, names } = folder();
    expect(names.claimSync('job-aaaa0001', 'Docs-Fix')).toBe('Docs-Fix');
    expect(() => names.claimSync('job-aaaa0002', 'docs-fix')).toThrow('The name docs-fix is taken by job-aaaa0001; choose another name or delete that job.');
    expect(names.claimSync('job-aaaa0001', 'DOCS-FIX')).toBe('DOCS-FIX');
    expect(names.idOf('docs-FIX')).toBe('job-aaaa0001');
    names.releaseSync('docs-fix', 'job-aaaa0002');
    expect(names.idOf('docs-fix')).toBe('job-aaaa0001');
    // A crash between a job's removal and its name's: the name points at no folder, so it is free.
    rmSync(join(dir, 'job-aaaa0001'), { recursive: true });
    expect(names.idOf('docs-fix')).toBeNull();
    expect(names.claimSync('job-aaaa0002', 'docs-fix')).toBe('docs-fix');
    names.releaseSync('docs-fix', 'job-aaaa0002');
    expect(names.idOf('docs-fix')).toBeNull();
  });

  it('refuses what is not a name, and a name shaped like a job id or a prefix of one', () => {
    const { names } = folder();
    for (const bad of ['', 'two words', '../up', '.hidden', 'a'.repeat(81), 'job-abcd1234', 'job-2zx4', 'JOB-2ZX4', 'job-', 'job', 'j', 'jo']) {
      expect(() => names.claimSync('job-aaaa0001', bad)).toThrow(expect.objectContaining({ code: 'JOB_NAME_INVALID' }));
    }
    // Longer than an id, or not made like one: an ordinary name.
    for (const good of ['job-abcd12345', 'job-2zx4-fix', 'jobs', 'job_2zx4']) expect(names.claimSync('job-aaaa0001', good)).toBe(good);
  });

  it('never lets a name hide a job id it is shaped like: job-2zx4 names the job whose id begins so', () => {
    const { names } = folder(['job-2zx4aaaa', 'job-bbbb0003']);
    expect(() => names.claimSync('job-bbbb0003', 'job-2zx4')).toThrow('"job-2zx4" is not a job name');
    expect(resolveJobReference('job-2zx4', ['job-2zx4aaaa', 'job-bbbb0003'], names)).toBe('job-2zx4aaaa');
  });

  it('generates names of three words from the EFF list, different each time', () => {
    const { names } = folder();
    const given = new Set<string>();
    for (let i = 0; i < 3; i++) given.add(names.claimSync(`job-aaaa000${i + 1}`.slice(0, 12), null));
    for (const name of given) {
      const words = name.split('-');
      expect(words).toHaveLength(3);
      for (const word of words) expect(NAME_WORDS).toContain(word);
    }
    expect(given.size).toBe(3);
    expect(generateJobName(4).split('-')).toHaveLength(4);
    expect(NAME_WORDS.length).toBeGreaterThan(2000);
    expect(NAME_WORDS.every((word) => /^[a-z]{3,6}$/.test(word))).toBe(true);
  });

  it('lets exactly one of several threads racing for a name have it', async () => {
    const ids = Array.from({ length: 8 }, (_, index) => `job-race000${index}`);
    const { dir, names } = folder(ids);
    // Each thread runs the register's own claim (the compiled module), all released at once.
    const script = join(dir, 'claim-thread.mjs');
    writeFileSync(script, `
      import { parentPort, workerData } from 'node:worker_threads';
      import { JobNames } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../../dist/store/job-names.js')).href)};
      const names = new JobNames(workerData.dir);
      parentPort.once('message', () => {
        try { names.claimSync(workerData.id, 'contested'); parentPort.postMessage(true); }
        catch (error) { parentPort.postMessage(error.code === 'JOB_NAME_TAKEN' ? false : String(error)); }
      });`);
    const workers = ids.map((id) => new Worker(script, { workerData: { dir, id } }));
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))));
    const results = await Promise.all(workers.map((worker) => new Promise<boolean | string>((resolve) => { worker.once('message', resolve); worker.postMessage('go'); })));
    await Promise.all(workers.map((worker) => worker.terminate()));
    expect(results.filter((result) => typeof result === 'string')).toEqual([]);
    expect(results.filter((result) => result === true)).toHaveLength(1);
    expect(names.idOf('contested')).toBe(ids[results.indexOf(true)]);
  });

  it('lets exactly one of 4 processes released together take over a name whose job is gone, round after round', async () => {
    const ids = Array.from({ length: 4 }, (_, index) => `job-takeovr${index}`);
    const { dir, names } = folder(ids);
    const rounds = 300;
    // Each process claims, when told a round, the name that round's stale link holds (its job's
    // folder is gone, as after a crash between a job's removal and its name's).
    const script = `
      const { JobNames } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../../dist/store/job-names.js')).href)});
      const { createInterface } = await import('node:readline');
      const names = new JobNames(${JSON.stringify(dir)});
      const id = process.argv[1];
      for await (const round of createInterface({ input: process.stdin })) {
        let result;
        try { names.claimSync(id, 'stale-' + round); result = 'won'; }
        catch (error) { result = error.code === 'JOB_NAME_TAKEN' ? 'lost' : String(error); }
        process.stdout.write(round + ' ' + result + '\\n');
      }`;
    const children = ids.map((id) => spawn(process.execPath, ['--input-type=module', '-e', script, id], { stdio: ['pipe', 'pipe', 'inherit'] }));
    try {
      const answers = children.map((child) => {
        const lines: string[] = [];
        let rest = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          const parts = (rest + chunk.toString()).split('\n');
          rest = parts.pop()!;
          lines.push(...parts);
        });
        return lines;
      });
      mkdirSync(join(dir, '.names'), { recursive: true });
      const doubles: number[] = [];
      for (let round = 0; round < rounds; round++) {
        symlinkSync(join('..', 'job-gone0000'), join(dir, '.names', `stale-${round}`));
        for (const child of children) child.stdin!.write(`${round}\n`);
        await waitFor(() => answers.every((lines) => lines.length > round), `round ${round} to be answered`);
        const results = answers.map((lines) => lines[round]!.slice(String(round).length + 1));
        expect(results.filter((result) => result !== 'won' && result !== 'lost')).toEqual([]);
        const winners = results.flatMap((result, index) => (result === 'won' ? [ids[index]!] : []));
        if (winners.length !== 1) doubles.push(round);
        else expect(names.idOf(`stale-${round}`)).toBe(winners[0]);
      }
      expect({ rounds, withoutExactlyOneWinner: doubles.length }).toEqual({ rounds, withoutExactlyOneWinner: 0 });
      // What a takeover leaves behind is no name.
      expect(names.list().sort()).toEqual(Array.from({ length: rounds }, (_, round) => `stale-${round}`).sort());
    } finally {
      for (const child of children) child.kill();
    }
  }, 60_000);
});

describe('resolving ids and names together', () => {
  const ids = ['job-ab12cd34', 'job-ab99zz00', 'job-mango001'];
  const byName = new Map([['mango-crave-pulse', 'job-ab12cd34'], ['mango-delta-river', 'job-ab99zz00'], ['abacus-tidy-oak', 'job-mango001']]);
  const index = { list: () => byName.keys(), idOf: (name: string) => byName.get(name.toLowerCase()) ?? null };

  it('takes a full name in any case, a unique prefix of a name or of an id', () => {
    expect(resolveJobReference('Mango-Crave-Pulse', ids, index)).toBe('job-ab12cd34');
    expect(resolveJobReference('mango-d', ids, index)).toBe('job-ab99zz00');
    expect(resolveJobReference('ab12', ids, index)).toBe('job-ab12cd34');
    expect(resolveJobReference('abac', ids, index)).toBe('job-mango001');
  });

  it('names every job an ambiguous prefix matches, by id and name', () => {
    expect(() => resolveJobReference('mango', ids, index)).toThrow("'mango' matches 3 jobs: job-ab12cd34 (mango-crave-pulse), job-ab99zz00 (mango-delta-river), job-mango001. Type more of the id or name.");
    expect(() => resolveJobReference('ab', ids, index)).toThrow("'ab' matches 3 jobs: job-ab12cd34, job-ab99zz00, job-mango001 (abacus-tidy-oak). Type more of the id or name.");
    expect(() => resolveJobReference('zebra', ids, index)).toThrow("No job matches 'zebra'.");
  });
});
