// `jobline worker` (take runs from the queue and run them on this machine) and `jobline workers`
// (the queue's workers and counts), and the `--queue URL` option of the commands that run jobs.
import { availableParallelism, homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { REMOTE_WORKER_NAME_PATTERN } from '../jobs/model/job.js';
import { sanitizeLine } from '../render/text.js';
import { getSecretEnvNames, type JoblineConfig } from '../config/schema.js';
import { loadConfig } from '../config/load-config.js';
import { readTimingOverrides, resolveQueueSettings, type QueueSettings } from '../jobs/queue/queue-settings.js';
import type { FleetView } from '../jobs/queue/fleet.js';

/** `--queue URL`: runs go to `jobline worker`s through the queue at URL (beats $JOBLINE_QUEUE_URL and the config's queue.url). */
export const queueOption = (description = 'send runs to jobline workers through the queue at this Redis URL'): Option => new Option('-q, --queue <url>', `${description} (default: $JOBLINE_QUEUE_URL, else "queue" in the config)`);

/** A label: lowercase letters, digits, `_`, `.`, `-` (at most 32), so a label set names a queue. */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

/** `a,b` as labels. @throws UsageError USAGE for a label that is not one. */
export function parseLabels(value: string): string[] {
  const labels = [...new Set(value.split(',').map((label) => label.trim()).filter(Boolean))];
  const bad = labels.find((label) => !LABEL_PATTERN.test(label));
  if (bad !== undefined) throw new UsageError('USAGE', `--labels takes labels of lowercase letters, digits, "_", "." or "-" separated by commas, not ${JSON.stringify(sanitizeLine(bad))}.`);
  return labels.sort();
}

// The config and the queue in force; a worker and `workers` never open the jobs folder (a worker's
// machine has none of the coordinator's). @throws UsageError USAGE without a queue; ConfigError.
function loadQueue(configPath: string | undefined, queueUrl: string | undefined): { config: JoblineConfig; queue: QueueSettings } {
  const { config } = loadConfig({ explicitPath: configPath, cwd: process.cwd() });
  const queue = resolveQueueSettings(config.queue, queueUrl);
  if (!queue) throw new UsageError('USAGE', 'No queue: give --queue redis://host:port/db, set $JOBLINE_QUEUE_URL, or add "queue": { "url": … } to the config.');
  return { config, queue };
}

/** Adds `worker` and `workers` to `program`. */
export function addQueueCommands(program: Command, configOption: () => Option): void {
  program
    .command('worker')
    .description('take runs from the queue and run them on this machine (until SIGTERM: then it finishes the runs it holds and exits)')
    .addOption(queueOption('the queue to take runs from, a Redis URL'))
    .option('--concurrency <n>', 'runs at once (default: the number of CPUs)')
    .option('--name <name>', 'the worker\'s name, shown on every run it executes (default: hostname-pid)')
    .option('--labels <a,b>', 'labels this worker has: a run needing labels goes only to a worker with all of them')
    .option('--workdir <dir>', 'folder where runs that need no repository run (default: the current folder)')
    .option('--no-drain', 'on SIGTERM, stop the runs held and hand them back (they run again elsewhere) instead of finishing them')
    .addOption(configOption())
    .action(async (options: { queue?: string; concurrency?: string; name?: string; labels?: string; workdir?: string; drain: boolean; config?: string }) => {
      const { config, queue: settings } = loadQueue(options.config, options.queue);
      const concurrency = options.concurrency === undefined ? availableParallelism() : Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('USAGE', `--concurrency takes a whole number from 1 to 256, not ${JSON.stringify(sanitizeLine(options.concurrency ?? ''))}.`);
      const name = options.name ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}`;
      if (!REMOTE_WORKER_NAME_PATTERN.test(name)) throw new UsageError('USAGE', `--name takes 1-64 letters, digits, "_", "." or "-" (starting with a letter or digit), not ${JSON.stringify(sanitizeLine(name))}.`);
      const labels = options.labels ? parseLabels(options.labels) : [];
      const workdir = resolve(options.workdir ?? process.cwd());
      const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'jobline', 'worker', name);
      const { QueueWorker } = await import('../jobs/queue/queue-worker.js');
      const { describeQueueUrl } = await import('../jobs/queue/queue-settings.js');
      const log = (line: string): void => void process.stdout.write(`${line}\n`);
      const worker = await QueueWorker.start(settings, {
        name,
        concurrency,
        labels,
        workdir,
        cacheDir,
        secretEnvNames: getSecretEnvNames(config),
        workerHeapMb: config.workerHeapMb,
        log,
        ...readTimingOverrides(),
      });
      log(`worker ${name} on ${describeQueueUrl(settings.url)} · up to ${concurrency} at once${labels.length > 0 ? ` · labels ${labels.join(',')}` : ''} · workdir ${workdir}`);
      await new Promise<void>((done) => {
        let signals = 0;
        const stop = (): void => {
          signals++;
          if (signals === 1) log(options.drain ? `draining: finishing ${worker.heldCount} run(s), taking no more (again to stop them)` : 'stopping: handing the runs back');
          void worker.stop(options.drain && signals === 1).then(done);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      log(`worker ${name} stopped`);
    });

  program
    .command('workers')
    .description("the queue's workers (name, labels, concurrency, what each runs, last seen) and its counts")
    .addOption(queueOption('the queue, a Redis URL'))
    .option('--json', 'print JSON')
    .addOption(configOption())
    .action(async (options: { queue?: string; json?: boolean; config?: string }) => {
      const { queue: settings } = loadQueue(options.config, options.queue);
      const { readFleet } = await import('../jobs/queue/fleet.js');
      const fleet = await readFleet(settings);
      process.stdout.write(options.json ? `${JSON.stringify(fleet, null, 2)}\n` : `${formatFleet(fleet)}\n`);
    });
}

/** The fleet as lines: one per worker, then the counts. */
export function formatFleet(fleet: FleetView, nowMs = Date.now()): string {
  const lines: string[] = [];
  if (fleet.workers.length === 0) lines.push('No workers (start one: jobline worker --queue redis://…).');
  for (const worker of fleet.workers) {
    const seen = Math.max(0, Math.round((nowMs - Date.parse(worker.lastSeen)) / 1000));
    const runs = worker.runs.map((run) => `${run.jobId.slice(0, 8)} ${run.taskId ?? ''}`.trim()).join(', ');
    lines.push([sanitizeLine(worker.name).padEnd(20), worker.state.padEnd(8), (worker.labels.join(',') || '-').padEnd(12), `${worker.runs.length}/${worker.concurrency}`.padEnd(6), `seen ${seen}s ago`.padEnd(14), runs].join(' ').trimEnd());
  }
  const { waiting, active, delayed, failed } = fleet.counts;
  lines.push(`queue: ${waiting} waiting · ${active} active · ${delayed} delayed · ${failed} failed`);
  return lines.join('\n');
}
