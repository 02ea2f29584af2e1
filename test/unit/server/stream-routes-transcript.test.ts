// A job's whole output through the API (GET /api/jobs/{id}/logs) when its phase ran tasks side by
// side: each task's lines marked with its id, as plain text (no terminal colours), and only the
// failed runs' lines when asked (failed=true), as `jobline logs ID --failed` prints them.
import { describe, expect, it } from 'vitest';
import type { TranscriptLine } from '../../../src/jobs/service/job-transcript.js';
import { makeApiApp } from './api-harness.js';

// An external job of three tasks: t1 done, t2 failed (no retries left), t3 never claimed.
async function jobWithAFailure() {
  const api = makeApiApp();
  const id = (await api.call('POST', '/api/jobs', { agent: 'external', retries: 0, tasks: [{ title: 'a' }, { title: 'b' }, { title: 'c' }] })).body.job.id as string;
  const worker = (await api.call('POST', `/api/jobs/${id}/workers`, { agent: 'dev' })).body.worker;
  const first = (await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker })).body.task;
  expect((await api.call('POST', `/api/tasks/${first.id}/complete`, { worker, token: first.token })).status).toBe(200);
  const second = (await api.call('POST', `/api/jobs/${id}/tasks/claim`, { worker })).body.task;
  expect((await api.call('POST', `/api/tasks/${second.id}/fail`, { worker, token: second.token, reason: 'broke' })).status).toBe(200);
  return { api, id };
}

describe("a job's output of tasks run side by side", () => {
  it('marks each line with its task, in plain text', async () => {
    const { api, id } = await jobWithAFailure();
    const answer = await api.call('GET', `/api/jobs/${id}/logs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const lines = answer.text.split('\n');
    expect(lines[0]).toMatch(/^── phase 1\/1 work · attempt 1 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC ──$/);
    // The in-memory reader answers a run's output with the file it names (see fakes.ts).
    expect(lines.slice(1)).toEqual(['t1 │ runs/r1.log phase 1/1 work · attempt 1', 't2 │ runs/r2.log phase 1/1 work · attempt 1', '']);
    expect(answer.text).not.toContain('\u001b');
  });

  it('gives only the failed runs with failed=true', async () => {
    const { api, id } = await jobWithAFailure();
    const answer = await api.call('GET', `/api/jobs/${id}/logs?failed=true`);
    expect(answer.status).toBe(200);
    const lines = answer.text.split('\n');
    expect(lines[0]).toMatch(/^── phase 1\/1 work · attempt 1 · .* UTC ──$/);
    expect(lines[1]).toMatch(new RegExp(`^t2 b · r2 attempt 1 · dev\\[\\S+\\] · failed · ${id}$`));
    expect(lines.slice(2)).toEqual(['t2 │ runs/r2.log phase 1/1 work · attempt 1', '']);
    expect(answer.text).not.toContain('t1');
    // Anything but "true" is the whole output.
    expect((await api.call('GET', `/api/jobs/${id}/logs?failed=false`)).text).toContain('t1 │');
  });

  it("reads one task's runs only when asked for that task (jobline logs ID --task T), by id or title", async () => {
    const { api, id } = await jobWithAFailure();
    for (const reference of ['t2', 'b']) {
      const { board, task, transcript } = await api.service.openTranscript(id, { task: reference, isFailedOnly: false });
      expect(task?.id).toBe('t2');
      const read: TranscriptLine[] = [];
      await transcript.read(board, 100, (lines) => void read.push(...lines));
      // The run's heading, then its lines: t2's only.
      expect(read.map((line) => (line.kind === 'run' ? `run ${line.task.id} ${line.run.id}` : line.kind === 'output' ? `${line.taskId} ${line.text}` : line.kind))).toEqual(['header', 'run t2 r2', 't2 runs/r2.log phase 1/1 work · attempt 1']);
    }
    const none = await api.call('GET', `/api/jobs/${id}/logs?task=t1&run=r2`);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe(`${id} has no run r2 of task t1.`);
  });
});

// The SSE ids of `text`'s frames, in order.
const idsOf = (text: string): string[] => [...text.matchAll(/^id: (.+)$/gm)].map((match) => match[1]!);

describe("the event stream of one job, resumed from the job's log", () => {
  async function openFromStart(api: ReturnType<typeof makeApiApp>, id: string, query = '') {
    const response = await api.request('GET', `/api/events?job=${id}${query}`, undefined, { headers: { 'last-event-id': `${id}:0` } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seen = { text: '' };
    const until = async (isWanted: (text: string) => boolean): Promise<string> => {
      while (!isWanted(seen.text)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        seen.text += chunk.value;
      }
      return seen.text;
    };
    return { seen, until, close: () => reader.cancel() };
  }

  it('sends once an event heard live while the log was being read, which the log also held', async () => {
    const api = makeApiApp();
    const id = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 't' }] })).body.job.id as string;
    const read = api.service.readEvents.bind(api.service);
    // The job ends while its log is read: its last events are heard live and are in the log too.
    api.service.readEvents = async (jobId) => {
      await api.call('POST', `/api/jobs/${id}/close`);
      // A live-only event meanwhile is in no log: it is sent all the same.
      api.hub.accept({ type: 'warning', message: 'disk nearly full' });
      return read(jobId);
    };
    const stream = await openFromStart(api, id, '&live=true');
    await stream.until((text) => text.includes(': connected'));
    const all = (await read(id)).map((event) => `${id}:${event.seq}`);
    await stream.until((text) => text.includes(`id: ${all.at(-1)}\n`));
    expect(all.length).toBeGreaterThan(2);
    expect(idsOf(stream.seen.text)).toEqual(all);
    expect(stream.seen.text).toContain('event: warning\ndata: {"jobId":"","message":"disk nearly full"}\n\n');
    await stream.close();
  });

  it('sends once an event written to the log before the hub heard it', async () => {
    const api = makeApiApp();
    const id = (await api.call('POST', '/api/jobs', { agent: 'external', tasks: [{ title: 'a' }, { title: 'b' }] })).body.job.id as string;
    const stream = await openFromStart(api, id);
    const logged = await api.service.readEvents(id);
    await stream.until((text) => text.includes(`id: ${id}:${logged.at(-1)!.seq}\n`));
    // The hub hears the last logged event late (the service reports an event after it is on disk).
    api.hub.accept({ type: 'event', job: await api.service.get(id), event: logged.at(-1)! });
    await api.call('POST', `/api/jobs/${id}/close`);
    const all = (await api.service.readEvents(id)).map((event) => `${id}:${event.seq}`);
    await stream.until((text) => text.includes(`id: ${all.at(-1)}\n`));
    expect(idsOf(stream.seen.text)).toEqual(all);
    await stream.close();
  });
});
