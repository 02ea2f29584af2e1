// V8's memory settings for jobline's process, set by cli.ts before anything else is loaded.
// jobline holds little (a job of 10,000 tasks is ~15 MB of live data) but allocates steadily
// (a board per change, messages, log lines), and by default V8 lets each heap (the main
// thread's, each worker's, the write thread's) grow far past what is live between collections.
import { setFlagsFromString } from 'node:v8';

// - optimize-for-size: heaps grow in smaller steps and are collected sooner.
// - semi-space-growth-factor=1: the young generation keeps its first size (a few MB) instead of
//   doubling up to 32 MB under a steady stream of tasks. Worker threads cap theirs through
//   resourceLimits; the main thread's cap (--max-semi-space-size) can only be given on node's
//   command line, which `node dist/cli.js` and `npm start` do not pass.
// A batch of 10,000 tasks peaked at ~195 MB with neither and ~112 MB with both, at the same
// speed (docs/PERFORMANCE.md, section 4b). Both are read as the heaps grow, so setting them now
// (Node 20 leaves V8's flags writable after start) takes effect. V8's flags are per process,
// but starting a worker thread sets them back to node's (measured: the main thread's young
// generation grew to 32 MB again after the first worker started), so every thread's entry
// (cli.ts, worker-entry.ts, write-thread-entry.ts) imports this first, setting them again.
setFlagsFromString('--optimize-for-size');
setFlagsFromString('--semi-space-growth-factor=1');
