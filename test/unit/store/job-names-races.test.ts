// The register of job names under races: exactly one of several threads, or of several processes
// released together, gets a name (the compiled module, dist/, in each).
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { JobNames } from '../../../src/store/job-names.js';
import { makeTempDir } from '../../helpers/temp.js';
import { waitFor } from '../../helpers/wait.js';

function folder(ids: string[]) {
  const dir = makeTempDir('jobline-names-');
  for (const id of ids) mkdirSync(join(dir, id));
  return { dir, names: new JobNames(dir) };
}

describe('job names under races', () => {
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
