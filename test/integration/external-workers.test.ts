// Workers from outside, as separate processes talking HTTP to a real server: four of them share
// 100 tasks, some of which claim the same files; one more is SIGKILLed holding a task, which its
// lease gives back to the others. Every task is done exactly once, and no two runs whose tasks'
// files overlap were ever held at once.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doClaimListsOverlap } from '../../src/jobs/model/claims.js';
import type { Run, Task } from '../../src/jobs/model/task.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor, waitForProcessesToExit } from '../helpers/wait.js';

const LEASE_MS = 1500;
const TASKS = 100;

// A worker: joins, claims until no task is left (204 while others still hold some), "works" a few
// ms per task, and completes it. `hold` claims one task and then waits to be killed.
const WORKER_SCRIPT = `
const [port, token, jobId, mode] = process.argv.slice(2);
const api = async (method, path, body) => {
  const response = await fetch('http://127.0.0.1:' + port + path, { method, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
};
const { body: joined } = await api('POST', '/api/jobs/' + jobId + '/workers', { agent: mode === 'hold' ? 'victim' : 'dev' });
const worker = joined.worker;
for (;;) {
  const claim = await api('POST', '/api/jobs/' + jobId + '/tasks/claim', { worker });
  if (claim.status === 200) {
    if (mode === 'hold') { console.log('holding ' + claim.body.task.id); await new Promise(() => setInterval(() => {}, 1000)); }
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 6));
    const done = await api('POST', '/api/tasks/' + claim.body.task.id + '/complete', { token: claim.body.task.token, summary: 'done by ' + worker });
    if (done.status !== 200) { console.error('complete refused: ' + JSON.stringify(done.body)); process.exit(1); }
    continue;
  }
  if (claim.status !== 204) { console.error('claim refused: ' + JSON.stringify(claim.body)); process.exit(1); }
  const { body } = await api('GET', '/api/jobs/' + jobId + '/tasks');
  if (body.tasks.every((task) => task.status === 'done')) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await api('DELETE', '/api/jobs/' + jobId + '/workers/' + encodeURIComponent(worker));
`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ workerLeaseMs: LEASE_MS });
});
afterAll(async () => {
  await server?.stop();
});

function startWorker(script: string, jobId: string, mode: 'work' | 'hold') {
  const child = spawn(process.execPath, [script, String(server.port), server.token, jobId, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('external workers', () => {
  it('four processes finish 100 tasks exactly once; overlapping files are never held at once; a killed worker loses its claim after its lease', async () => {
    const script = join(server.cwd, 'worker.mjs');
    writeFileSync(script, WORKER_SCRIPT);
    // Every third task touches one of five shared files; the others touch their own.
    const tasks = Array.from({ length: TASKS }, (_, index) => ({ title: `task ${index + 1}`, files: [index % 3 === 0 ? `src/shared-${index % 5}.ts` : `src/own-${index}.ts`] }));
    const { id } = (await server.api('POST', '/api/jobs', { agent: 'external', name: 'hundred', tasks })).body.job;

    const victim = startWorker(script, id, 'hold');
    const held = (await waitFor(() => /holding (\S+)/.exec(victim.output())?.[1], 'the victim to hold a task')).split(':')[1]!;
    victim.child.kill('SIGKILL');
    expect(await waitForProcessesToExit([victim.child.pid!])).toEqual([]);

    const workers = Array.from({ length: 4 }, () => startWorker(script, id, 'work'));
    const codes = await Promise.all(workers.map((worker) => worker.exited));
    const workerEvents = () => readFileSync(join(server.jobsDir, id, 'events.jsonl'), 'utf8').split('\n').filter((line) => line.includes('worker_')).join('\n');
    expect(codes, `exits ${codes.join(', ')}: ${workers.map((worker) => worker.output()).join(' | ')}\n${workerEvents()}`).toEqual([0, 0, 0, 0]);

    const { body } = await server.api('GET', `/api/jobs/${id}`);
    const board = body as { tasks: Task[]; runs: Run[] };
    expect(board.tasks.filter((task) => task.status === 'done')).toHaveLength(TASKS);
    // Exactly once: one succeeded run per task; the held task also has the victim's interrupted run.
    for (const task of board.tasks) {
      const runs = board.runs.filter((run) => run.taskId === task.id);
      expect(runs.filter((run) => run.state.status === 'succeeded'), task.id).toHaveLength(1);
      expect(runs.filter((run) => run.state.status !== 'succeeded'), task.id).toHaveLength(task.id === held ? 1 : 0);
    }
    const lost = board.runs.find((run) => run.taskId === held && run.state.status === 'interrupted')!;
    expect(lost.worker).toMatch(/^victim\[/);
    expect(lost.state).toMatchObject({ reason: expect.stringContaining('lease') });
    expect(board.runs.find((run) => run.taskId === held && run.state.status === 'succeeded')!.worker).toMatch(/^dev\[/);

    // Two runs whose tasks' files overlap never overlapped in time (ends and starts are both
    // stamped by the server, in the order it applied them).
    const claimsOf = new Map(board.tasks.map((task) => [task.id, task.claims]));
    const spans = board.runs.map((run) => ({ run, start: Date.parse(run.startedAt), end: 'endedAt' in run.state ? Date.parse(run.state.endedAt) : Number.POSITIVE_INFINITY }));
    for (const a of spans) {
      for (const b of spans) {
        if (a.run.id >= b.run.id || !doClaimListsOverlap(claimsOf.get(a.run.taskId)!, claimsOf.get(b.run.taskId)!)) continue;
        const isApart = a.end <= b.start || b.end <= a.start;
        expect(isApart, `${a.run.id} (${a.run.taskId}) and ${b.run.id} (${b.run.taskId}) held overlapping files at once`).toBe(true);
      }
    }

    // The job's event log says the victim lost its lease.
    const events = readFileSync(join(server.jobsDir, id, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; worker?: string; reason?: string });
    expect(events).toContainEqual(expect.objectContaining({ type: 'worker_left', worker: lost.worker, reason: expect.stringContaining('lease') }));
    expect(events.filter((event) => event.type === 'worker_joined')).toHaveLength(5);
  });
});
