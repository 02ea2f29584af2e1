// A write thread: makes job writes durable (job.json atomically, then the events appended) with
// synchronous calls, one request at a time, off the REPL's thread. See write-threads.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { adoptFsyncCounter, writeFileAtomicSync } from './atomic-write.js';
import { appendEventLines } from './event-log.js';
import type { WriteFinished, WriteRequested } from './write-threads.js';

const port = parentPort;
if (!port) throw new Error('write-thread-entry must run in a worker thread');
adoptFsyncCounter((workerData as { fsyncCounter: SharedArrayBuffer }).fsyncCounter);

port.on('message', (request: WriteRequested) => {
  let reply: WriteFinished;
  try {
    writeFileAtomicSync(request.jobPath, request.jobText, { isRenameDurable: request.isRenameDurable });
    // After job.json: the log never tells of a state that the source of truth does not have.
    appendEventLines(request.eventsPath, request.eventsText);
    reply = { seq: request.seq, error: null };
  } catch (error) {
    reply = { seq: request.seq, error: describeError(error) };
  }
  port.postMessage(reply);
});
