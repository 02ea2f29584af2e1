// The streaming routes: the live event stream (Server-Sent Events, resumable with Last-Event-ID)
// and a job's or a task's output (its tail, or followed as it is written).
import { getSecretEnvNames } from '../config/schema.js';
import { scrubberOf } from '../text/secrets.js';
import { streamSSE, stream } from 'hono/streaming';
import { isActiveStatus } from '../jobs/model/job.js';
import type { ApiDeps } from './api-deps.js';
import { credentialOf } from './credentials.js';
import { eventsQuerySchema, logsQuerySchema } from './api-schemas.js';
import type { StreamEvent } from './event-hub.js';
import type { RouteTable } from './route-table.js';

/** How often an idle event stream sends a comment, so proxies and clients see it alive (ms). */
export const KEEPALIVE_MS = 15_000;
/** Events queued for one slow client before it is cut off (it reconnects with Last-Event-ID). */
const MAX_QUEUED_EVENTS = 50_000;

/** Adds the streaming routes to `routes`. */
export function addStreamRoutes(routes: RouteTable, deps: ApiDeps): void {
  // What the streams write passes the scrubber, as every other answer does (see api-app.ts).
  const scrubber = scrubberOf(getSecretEnvNames(deps.config));
  const { service, hub } = deps;
  routes.add({ method: 'get', path: '/api/events', summary: 'Lifecycle events as Server-Sent Events, each with id <jobId>:<seq>. Authorization: Bearer, or ticket=<a ticket from POST /api/event-tickets>. Last-Event-ID (or lastEventId=) resumes after an event: for one job (job=ID) from its log (<id>:0 from its start), for all jobs from the newest events held (event "reset" when it is no longer held: reload).', query: eventsQuerySchema, responses: { 200: 'text/event-stream' } }, async ({ context, query }) => {
    const jobId = query.job ? await service.resolve(query.job) : null;
    // A page reopening its stream with a new ticket names the last event it saw in the query.
    const lastEventId = context.req.header('last-event-id') || query.lastEventId || undefined;
    const credential = credentialOf(context);
    // A stream of one job resumes from the job's own log (exact, however long ago; `<id>:0` is
    // its beginning); the stream of all jobs from the events the hub still holds.
    const fromSeq = jobId !== null && lastEventId?.startsWith(`${jobId}:`) ? Number(lastEventId.slice(jobId.length + 1)) : Number.NaN;
    const isFromLog = Number.isInteger(fromSeq) && fromSeq >= 0;
    return streamSSE(context, async (sse) => {
      // Events come synchronously from the hub and are written one at a time, in order.
      const queue: StreamEvent[] = [];
      let wake: (() => void) | null = null;
      // Past this seq, a job's events come live (a replay from its log may hold the first ones).
      let replayedUpTo = -1;
      const isWanted = (event: StreamEvent): boolean => (jobId === null || event.jobId === jobId || event.name === 'warning') && !(event.name === 'job' && (event.data.event?.seq ?? 0) <= replayedUpTo);
      const { replay, stop } = hub.listen((event) => {
        if (!isWanted(event)) return;
        queue.push(event);
        wake?.();
      }, isFromLog ? undefined : lastEventId, query.live === 'true');
      if (isFromLog) {
        // Listening started first: an event written meanwhile is both read here and heard live,
        // and is sent once (by its seq).
        const job = await service.get(jobId!);
        const logged = (await service.readEvents(jobId!)).filter((event) => (event.seq ?? 0) > fromSeq);
        replayedUpTo = logged.at(-1)?.seq ?? fromSeq;
        const live = queue.splice(0).filter((event) => !(event.name === 'job' && (event.data.event?.seq ?? 0) <= replayedUpTo));
        queue.push(...logged.map((event): StreamEvent => ({ id: `${job.id}:${event.seq ?? 0}`, name: 'job', jobId: job.id, data: { jobId: job.id, job, event } })), ...live);
      }
      let isOpen = true;
      const close = (): void => {
        isOpen = false;
        stop();
        wake?.();
      };
      sse.onAbort(close);
      // A browser's stream ends when its key does (a log out, the key file deleted).
      const unwatch = credential.kind === 'browser' ? deps.browserAccess.watch(credential.key, close) : () => {};
      const keepalive = setInterval(() => void sse.write(': keepalive\n\n').catch(() => {}), KEEPALIVE_MS);
      try {
        if ('reset' in replay) await sse.writeSSE({ event: 'reset', data: JSON.stringify({ reason: `event ${lastEventId} is no longer held: reload the jobs` }) });
        else queue.unshift(...replay.events.filter(isWanted));
        await sse.write(': connected\n\n');
        while (isOpen) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          if (queue.length > MAX_QUEUED_EVENTS) break;
          const event = queue.shift()!;
          await sse.writeSSE({ ...(event.id ? { id: event.id } : {}), event: event.name, data: scrubber.scrub(JSON.stringify(event.data)) });
        }
      } finally {
        clearInterval(keepalive);
        unwatch();
        stop();
      }
    });
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}/logs', summary: "A job's output, or one task's (its latest run): the last `lines` lines as text; follow=true streams what follows until the run or the job ends.", query: logsQuerySchema, responses: { 200: 'text/plain' } }, async ({ context, params, query }) => {
    const id = await service.resolve(params.id!);
    const isFollowing = query.follow === 'true';
    if (query.task) {
      const { run, tail } = await service.taskOutput(id, query.task, query.lines, query.run);
      const text = tail ? joinLines(tail.lines) : '';
      if (!isFollowing || !run || run.state.status !== 'running') return context.text(text);
      return followText(context, deps, text, (onLines, signal) => service.followRunOutput(id, run, { offset: tail?.size ?? 0, onLines, signal }));
    }
    const tail = await service.readOutputTail(id, query.lines);
    const text = joinLines(tail.lines);
    if (!isFollowing) return context.text(text);
    const isEnded = async (): Promise<boolean> => !isActiveStatus((await service.get(id)).status);
    return followText(context, deps, text, (onLines, signal) => service.followOutput(id, { offset: tail.size, onLines, isEnded, signal }));
  });
}

function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

// Streams `first`, then every batch of lines `follow` hands over, until it ends, the client
// leaves, or (a browser's) the browser key stops working.
function followText(context: Parameters<typeof stream>[0], deps: ApiDeps, first: string, follow: (onLines: (lines: string[]) => void, signal: AbortSignal) => Promise<boolean>): Response {
  context.header('content-type', 'text/plain; charset=utf-8');
  const credential = credentialOf(context);
  return stream(context, async (out) => {
    const controller = new AbortController();
    out.onAbort(() => controller.abort());
    const unwatch = credential.kind === 'browser' ? deps.browserAccess.watch(credential.key, () => controller.abort()) : () => {};
    controller.signal.addEventListener('abort', unwatch);
    let writes = out.write(first);
    await follow((lines) => {
      writes = writes.then(() => out.write(joinLines(lines))).catch(() => out);
    }, controller.signal);
    await writes;
    unwatch();
  });
}
