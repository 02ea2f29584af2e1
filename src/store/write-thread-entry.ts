// A write thread: makes job writes durable (job.json atomically, then the events appended) with
// synchronous calls, one request at a time, off the REPL's thread. See write-threads.ts.
import '../heap-tuning.js'; // first: a new thread resets V8's flags (see heap-tuning.ts)
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { adoptFsyncCounter } from './atomic-write.js';
import { type WriteFinished, type WriteRequested, performWrite } from './write-threads.js';

const port = parentPort;
if (!port) throw new Error('write-thread-entry must run in a worker thread');
const data = workerData as { fsyncCounter: SharedArrayBuffer; inFlight: SharedArrayBuffer };
adoptFsyncCounter(data.fsyncCounter);
const inFlight = new Int32Array(data.inFlight);

port.on('message', (request: WriteRequested) => {
  let reply: WriteFinished;
  try {
    performWrite(request);
    reply = { seq: request.seq, error: null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    reply = { seq: request.seq, error: describeError(error), ...(typeof code === 'string' ? { code } : {}) };
  }
  // Performed (or failed): an exit path waiting in WriteThreads.waitForWritesSync may write now.
  Atomics.sub(inFlight, 0, 1);
  Atomics.notify(inFlight, 0);
  port.postMessage(reply);
});
port.postMessage({ seq: 0, error: null } satisfies WriteFinished); // ready
