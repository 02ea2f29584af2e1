// Bench baseline: the cheapest useful worker, which posts one message as soon as it runs.
import { parentPort } from 'node:worker_threads';
parentPort.postMessage('ready');
