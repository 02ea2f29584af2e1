#!/usr/bin/env node
// jobline's entry point: V8's memory settings first, then the command line (cli-main.ts), loaded
// only once they are set, because loading it (a large bundle) is what first grows the heaps.
import './heap-tuning.js';

await import('./cli-main.js');
