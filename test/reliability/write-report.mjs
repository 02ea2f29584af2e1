// Writes docs/RELIABILITY.md from the figures the reliability suite recorded in
// .reliability/results.json (run by `npm run test:reliability`).
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const results = JSON.parse(readFileSync(new URL('../../.reliability/results.json', import.meta.url), 'utf8'));
const get = (section) => results[section] ?? {};
const crash = get('crash');
const signals = get('signals');
const sharing = get('sharing');
const many = get('manyJobs');
const big = get('bigOutput');
const replFuzz = get('replFuzz');
const configFuzz = get('configFuzz');
const secrets = get('secrets');
const stages = Object.entries(crash.stages ?? {}).map(([stage, n]) => `${stage} ${n}`).join(', ');

const report = `# Reliability

What \`npm run test:reliability\` proves, with the figures of its latest run
(${crash.at ?? 'not run yet'}, ${crash.scale ?? '?'} scale, node ${process.version}, ${cpus().length} cores,
${Math.round(totalmem() / 2 ** 30)} GiB). Every \`npm test\` (and so CI) runs the same tests at a
smaller scale. Reproduce with \`npm run test:reliability\`; the tests are in \`test/reliability/\`.

| what | figures | result |
|---|---|---|
| Crash consistency: SIGKILL at random moments | ${crash.killPoints} kill points (${stages}) | ${crash.failures} failures |
| Graceful SIGINT, SIGTERM, SIGHUP at random moments | ${signals.rounds} signals; exit median ${signals.exitMsMedian} ms, max ${signals.exitMsMax} ms | ${signals.failures} failures |
| Two jobline processes on one jobs folder | ${sharing.jobsPerProcess} jobs each, submitted at once | ${sharing.idCollisions} id collisions, ${sharing.foreignJobsTouched} foreign jobs touched |
| ${many.folders} job folders at startup | REPL start, review and \`/jobs\` in ${many.replStartAndJobsMs} ms | responsive |
| A job printing ${big.megabytes} MB | peak RSS of the jobline process ${big.peakRssMb} MB | bounded |
| Fuzzed REPL lines | ${replFuzz.lines} lines in ${replFuzz.ms} ms | exit ${replFuzz.exitCode}, no crash, nothing unsafe printed |
| Mutated config files | ${configFuzz.configs} configs: ${configFuzz.rejected} rejected, ${configFuzz.accepted} valid | ${configFuzz.unclear} unclear errors |
| Planted API key | ${secrets.filesScanned} files and ${secrets.bytesOfOutputScanned} bytes of output scanned | ${secrets.leaks} leaks |

## What each part checks

**Crash consistency** (\`crash-consistency.test.ts\`). A real workload (the JobManager from
\`dist/\`: multi-phase interactive jobs, approvals, retries with feedback, cancels, and cleanup
deleting completed jobs) keeps an fsynced ledger of everything it was told, and is killed with
SIGKILL at a random moment. After each kill: every \`job.json\` parses; every job the ledger saw
submitted is still on disk unless it completed (and was cleaned up); a fresh \`jobline list\` reports
every terminal status as stored and every active job as \`interrupted\`; and no job disagrees with
what the ledger was told. The stage column is the ledger's last line before the kill. Kill moments
spread over the workload's life after its ledger appears, measured by one run to the end first
(${crash.workloadLifeMs ?? '?'} ms in this run), so they cover it on a fast machine or a slow one.

**Graceful signals** (\`signals-and-sharing.test.ts\`). \`jobline batch\` runs jobs whose processes
fork grandchildren; a random signal arrives at a random moment. Every job on disk must be
\`interrupted\` with \`error: "Interrupted: jobline exited"\` and \`endedAt\`, the process table must
hold none of the jobs' processes (looked up by a per-run marker), and the exit must take under 2 s.

**Worker faults** are covered by \`test/integration/cancel-and-faults.test.ts\` and
\`no-orphans.test.ts\` on every run: a worker that throws, calls \`process.exit\`, exhausts its heap or
spins in a synchronous loop (cancel still works); a child ignoring SIGTERM; a child forking
grandchildren; a shutdown racing a spawn. Each fails or cancels only its own job and leaves no process.

**Two processes** submit at the same moment into one folder: ids never collide (a job's folder is
created exclusively); SIGTERM to one interrupts its own jobs and leaves the other's running; the
REPL refuses to resume or cancel a job another live jobline owns (\`test/integration/repl-piped.test.ts\`).

**Corrupt and hostile files** (\`hostile-and-exhaustion.test.ts\`): a truncated, non-JSON or
wrong-schema \`job.json\`, an unknown \`schemaVersion\`, a torn last line in \`events.jsonl\` and a job
folder that is a symlink each give a warning naming the item; the item is skipped and kept (never
deleted, not even by \`/clean\`), and everything else works. A jobs folder owned by another user or
writable by others is refused with a clear message.

**Exhaustion**: a real full disk (a 256 KiB tmpfs) fails the job with \`cannot write …/output.log:
ENOSPC\` and the REPL goes on; a real read-only jobs folder (a read-only bind mount) is refused
with \`EROFS: read-only file system\`; thousands of stored jobs start quickly (the review and
\`/jobs\` show the newest and count the rest); a job printing ${big.megabytes} MB keeps memory
bounded; a 1 MB prompt fails its job with \`the prompt is too large to pass in $JOB_PROMPT\`.

**Bad input** (\`fuzz.test.ts\`): random and adversarial REPL lines (control bytes, escape
sequences, invalid UTF-8, 200 KB lines, fuzzed slash-command arguments) through a real REPL whose
agents ignore their prompts; mutated configs through the real loader. No crash or hang, every error
a clear message naming the file, and no control character in anything printed. Job output with
escape sequences (an OSC 52 clipboard write, cursor moves, a title change) is shown inert in the
REPL, \`/logs\`, \`list\` and \`show\` (\`test/integration/repl-piped.test.ts\`, \`test/unit/render\`).

**Secrets** (\`secrets.test.ts\`): a key in the environment, servers that echo it back in 401 and
500 errors, an unreachable provider; no file under the jobs folder or the history, and nothing the
REPL, \`list\` or \`show\` printed, contains it.

## Fixes this campaign made

Each has a regression test:
- Deleting a completed job was not crash-safe: a kill mid-delete left a folder without \`job.json\`
  (4 of the first 200 kill points). Now the folder is renamed away first, atomically, and the
  next start finishes half-done deletions.
- A child spawned in the instant before its worker was terminated could outlive jobline. Now
  every worker records its process groups in shared memory, shutdown stops runs cooperatively
  first, and a final sweep kills any child group left (\`no-orphans.test.ts\`).
- An output log that could not be written (a full disk) crashed the worker with a generic reason;
  now the phase fails with the real cause.
- A prompt too large for the environment failed with a bare \`spawn E2BIG\`; now it says why.
- The REPL printed fuzzed input back raw inside error messages; now every message is made inert.
- Thousands of stored jobs flooded the startup review and \`/jobs\`; both now show the newest.
- Listing 10,000 jobs read every \`job.json\` at once and ran out of file descriptors (EMFILE),
  reporting healthy jobs as unreadable; reads are now bounded (32 in flight).
- Piped input could run before the startup review had printed, and its end could quit before the
  review appeared; lines now wait for the review.
- The AI SDK printed provider errors (which can echo a key) to the terminal; that logging is off.

## Limits

- SIGKILL cannot be caught: the processes of a job whose jobline was SIGKILLed keep running until
  they end; the job is reported \`interrupted\` and can be resumed.
- A job process that leaves its process group (\`setsid\`) escapes cancellation by group.
- Ownership is checked by pid and process start time on the same host; a job owned by a process
  on another host (a shared jobs folder) is never taken for dead.
`;
writeFileSync(new URL('../../docs/RELIABILITY.md', import.meta.url), report);
console.log('wrote docs/RELIABILITY.md');
