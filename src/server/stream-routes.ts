// The streaming routes: the live event stream (Server-Sent Events, resumable with Last-Event-ID)
// and a job's or a task's output (its tail, or followed as it is written).
import type { ServerResponse } from 'node:http';
import { getSecretEnvNames } from '../config/schema.js';
import { scrubberOf } from '../text/secrets.js';
import { streamSSE, stream } from 'hono/streaming';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { SAFE_HEADERS } from './safe-headers.js';
import type { ApiDeps } from './api-deps.js';
import { credentialOf } from './credentials.js';
import { eventsQuerySchema, logsQuerySchema } from './api-schemas.js';
import type { TranscriptLine } from '../jobs/service/job-transcript.js';
import { formatTranscriptLine, taskIdWidth } from '../render/log-lines.js';
import type { StreamEvent } from './event-hub.js';
import { StreamFlusher } from './stream-flush.js';
import type { RouteTable } from './route-table.js';

/** How often an idle event stream sends a comment, so proxies and clients see it alive (ms). */
export const KEEPALIVE_MS = 15_000;
/** Most events written to one client at once. */
const MAX_EVENTS_PER_WRITE = 512;
/** Events queued for one slow client before it is cut off (it reconnects with Last-Event-ID). */
const MAX_QUEUED_EVENTS = 50_000;

/** Adds the streaming routes to `routes`. */
export function addStreamRoutes(routes: RouteTable, deps: ApiDeps): void {
  // What the streams write passes the scrubber, as every other answer does (see api-app.ts).
  const scrubber = scrubberOf(getSecretEnvNames(deps.config));
  const scrub = (text: string): string => scrubber.scrub(text);
  const { service, hub } = deps;
  // One flusher for every event stream of this server: their writes go out together (see stream-flush.ts).
  const flusher = new StreamFlusher();
  routes.add({ method: 'get', path: '/api/events', summary: 'Lifecycle events as Server-Sent Events, each with id <jobId>:<seq>. Authorization: Bearer, or ticket=<a ticket from POST /api/event-tickets>. Last-Event-ID (or lastEventId=) resumes after an event: for one job (job=ID) from its log (<id>:0 from its start), for all jobs from the newest events held (event "reset" when it is no longer held: reload).', query: eventsQuerySchema, responses: { 200: 'text/event-stream' } }, async ({ context, query }) => {
    const jobId = query.job ? await service.resolve(query.job) : null;
    // A page reopening its stream with a new ticket names the last event it saw in the query.
    const lastEventId = context.req.header('last-event-id') || query.lastEventId || undefined;
    const credential = credentialOf(context);
    // A stream of one job resumes from the job's own log (exact, however long ago; `<id>:0` is
    // its beginning); the stream of all jobs from the events the hub still holds.
    const fromSeq = jobId !== null && lastEventId?.startsWith(`${jobId}:`) ? Number(lastEventId.slice(jobId.length + 1)) : Number.NaN;
    const isFromLog = Number.isInteger(fromSeq) && fromSeq >= 0;
    // On Node's own server the stream goes straight to the socket (each write through web streams
    // cost more than the event itself, times every client: issue 28 §8); elsewhere (a test's
    // app.request) through Hono's streaming helper.
    const outgoing = (context.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const open = outgoing ? openNodeStream(outgoing) : null;
    const run = async (sse: EventSink): Promise<void> => {
      // Events come synchronously from the hub and are written one at a time, in order.
      const queue: StreamEvent[] = [];
      let wake: (() => void) | null = null;
      // Past this seq, a job's events come live (a replay from its log may hold the first ones).
      let replayedUpTo = -1;
      const isWanted = (event: StreamEvent): boolean => (jobId === null || event.jobId === jobId || event.name === 'warning') && !(event.name === 'job' && (event.data.event?.seq ?? 0) <= replayedUpTo);
      // Woken at the next flush, not at each event: a moment's events go out in one write.
      const wakeUp = (): void => wake?.();
      const { replay, stop } = hub.listen((event) => {
        if (!isWanted(event)) return;
        queue.push(event);
        if (wake) flusher.request(wakeUp);
      }, isFromLog ? undefined : lastEventId, query.live === 'true');
      // The stream of all jobs gets the same events as every other such stream (see bytesOf).
      // Stryker disable next-line ConditionalExpression,EqualityOperator: sharing only saves work: a stream that shares nothing sends the same bytes
      const isShared = jobId === null;
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
      keepalive.unref();
      try {
        if ('reset' in replay) await sse.write(`event: reset\ndata: ${JSON.stringify({ reason: `event ${lastEventId} is no longer held: reload the jobs` })}\n\n`);
        else queue.unshift(...replay.events.filter(isWanted));
        await sse.write(': connected\n\n');
        while (isOpen) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          if (queue.length > MAX_QUEUED_EVENTS) break;
          // Everything queued goes in one write (a burst of a job's events is one write per client,
          // not one per event), each frame made (and scrubbed) once for all clients (see frameOf),
          // and the same events' bytes made once for all the streams that get them (bytesOf).
          await sse.write(flusher.bytesOf(queue.splice(0, MAX_EVENTS_PER_WRITE), scrub, isShared));
        }
      } finally {
        clearInterval(keepalive);
        unwatch();
        stop();
      }
    };
    if (open) {
      void run(open.sink).finally(open.end);
      return RESPONSE_ALREADY_SENT;
    }
    return streamSSE(context, (sse) => run({ write: (chunk) => sse.write(chunk).then(() => {}), onAbort: (listener) => sse.onAbort(listener) }));
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
    // The job's output in time order, the lines of tasks run side by side marked `t3 │` (see JobTranscript).
    const { job, board, transcript } = await service.openTranscript(id, { isFailedOnly: query.failed === 'true' });
    const style = { jobId: job.id, isTerminal: false, taskWidth: taskIdWidth(board.tasks) };
    const plain = (lines: readonly TranscriptLine[]): string[] => lines.map((line) => formatTranscriptLine(line, style));
    const read: TranscriptLine[] = [];
    await transcript.read(board, query.lines, (lines) => void read.push(...lines));
    if (!isFollowing) return context.text(joinLines(plain([...read, ...(await transcript.finish(board))])));
    return followText(context, deps, joinLines(plain(read)), (onLines, signal) => service.followTranscript(transcript, { onLines: (lines) => onLines(plain(lines)), signal }));
  });
}

/** Where an event stream writes: a frame at a time, in order; `onAbort` hears the client leave. */
interface EventSink {
  write(chunk: Uint8Array | string): Promise<void>;
  onAbort(listener: () => void): void;
}

// An event stream written straight to Node's response: its headers now, then each write to the
// socket, waiting for 'drain' when the socket's buffer is full (a slow client stays bounded by
// MAX_QUEUED_EVENTS), ended once the stream is over.
function openNodeStream(outgoing: ServerResponse): { sink: EventSink; end: () => void } {
  outgoing.writeHead(200, { ...SAFE_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  outgoing.flushHeaders();
  const aborted: Array<() => void> = [];
  outgoing.on('close', () => {
    for (const listener of aborted.splice(0)) listener();
  });
  return {
    sink: {
      write: (chunk) => (outgoing.write(chunk) || outgoing.destroyed ? Promise.resolve() : new Promise((resolve) => {
        const done = (): void => {
          outgoing.off('drain', done);
          outgoing.off('close', done);
          resolve();
        };
        outgoing.on('drain', done);
        outgoing.on('close', done);
      })),
      onAbort: (listener) => void aborted.push(listener),
    },
    end: () => {
      if (!outgoing.writableEnded) outgoing.end();
    },
  };
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
