// The live event stream of a real server: a client cut off during a burst of 1,000 events and
// reconnected with Last-Event-ID sees every event exactly once, in order; a narrowed stream sees
// one job's; an id the server no longer holds gets a reset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/client/server-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const TASKS = 500;

// Claims and completes every task of external job `jobId` one by one: two events per task.
async function burst(jobId: string, onProgress: (done: number) => void): Promise<void> {
  const client = server.client();
  const { body } = await client.request<{ worker: string }>('POST', `/api/jobs/${jobId}/workers`, { agent: 'dev' });
  for (let done = 0; done < TASKS; done++) {
    const claimed = await client.request<{ task: { id: string; token: string } }>('POST', `/api/jobs/${jobId}/tasks/claim`, { worker: body.worker });
    await client.request('POST', `/api/tasks/${claimed.body.task.id}/complete`, { worker: body.worker, token: claimed.body.task.token });
    onProgress(done + 1);
  }
  await client.request('POST', `/api/jobs/${jobId}/close`, { status: 'completed' });
}

describe('the event stream', () => {
  for (const isNarrowed of [true, false]) {
    it(`resumes after a disconnect with Last-Event-ID (${isNarrowed ? 'one job, from its log' : 'all jobs, from the events held'}): each of 1,000+ events once, in order, none missing`, async () => {
      const client = server.client();
      const seen: ServerEvent[] = [];
      const first = new AbortController();
      let jobId = '';
      const isOurs = (event: ServerEvent): boolean => event.id?.startsWith(`${jobId}:`) ?? false;
      const onFirst = (event: ServerEvent): void => {
        if (!isOurs(event)) return;
        seen.push(event);
        if (seen.length === 300) first.abort();
      };
      const tasks = Array.from({ length: TASKS }, (_, index) => ({ title: `t${index}` }));
      let firstRead: Promise<void>;
      if (isNarrowed) {
        jobId = (await client.request<{ job: { id: string } }>('POST', '/api/jobs', { agent: 'external', tasks })).body.job.id;
        firstRead = client.followEvents(onFirst, { query: `job=${jobId}`, lastEventId: `${jobId}:0`, signal: first.signal }).catch(() => {});
      } else {
        // Connected before the job exists: the stream of all jobs carries it from its first event.
        let isConnected = false;
        firstRead = client.followEvents(onFirst, { signal: first.signal, onConnected: () => (isConnected = true) }).catch(() => {});
        await waitFor(() => isConnected, 'the stream to open');
        jobId = (await client.request<{ job: { id: string } }>('POST', '/api/jobs', { agent: 'external', tasks })).body.job.id;
      }
      let produced = 0;
      const producing = burst(jobId, (done) => (produced = done));
      await waitFor(() => first.signal.aborted, 'the first 300 events');
      await firstRead;
      // The burst goes on while the client is away.
      const whenCut = produced;
      await waitFor(() => produced >= whenCut + 100, 'events to happen while disconnected');

      const second = new AbortController();
      const secondRead = client.followEvents((event) => {
        if (!isOurs(event)) return;
        seen.push(event);
        if ((event.data as { event?: { type?: string } }).event?.type === 'completed') second.abort();
      }, { ...(isNarrowed ? { query: `job=${jobId}` } : {}), lastEventId: seen.at(-1)!.id!, signal: second.signal }).catch(() => {});
      await producing;
      await waitFor(() => second.signal.aborted, 'the job to complete on the stream');
      await secondRead;

      const seqs = seen.map((event) => Number(event.id!.split(':')[1]));
      expect(seen.length).toBeGreaterThan(2 * TASKS);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
      expect(seen.every((event) => event.name === 'job')).toBe(true);
    });
  }

  it('tells a client whose Last-Event-ID it no longer holds to reload (event reset)', async () => {
    const controller = new AbortController();
    const events: ServerEvent[] = [];
    const reading = server.client().followEvents((event) => {
      events.push(event);
      controller.abort();
    }, { lastEventId: 'job-00000000:7', signal: controller.signal }).catch(() => {});
    await waitFor(() => events.length > 0, 'the reset');
    await reading;
    expect(events[0]!.name).toBe('reset');
  });
});
