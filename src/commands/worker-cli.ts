// `jobline job …` and `jobline task …`: external orchestration from scripts (the fray design's
// job create / join / leave / status / close, and the claim of work items). Each command goes to
// the running `jobline serve`, or without one straight to the jobs folder (see worker-desk.ts).
import { appendFileSync, readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { JoblineError, UsageError } from '../errors.js';
import type { Task } from '../jobs/model/task.js';
import { findBlockedTasks } from '../jobs/model/scheduler.js';
import { sanitizeLine } from '../render/text.js';
import { formatTaskId } from '../render/worker-task.js';
import { loadAppContext, type AppContext } from './context.js';
import { parseTaskFile, type TaskFileEntry } from './task-file.js';
import { openWorkerDesk, type WorkerDesk } from './worker-desk.js';

/** Exit status of `task claim` when no task is runnable now. */
export const EXIT_NOTHING_TO_CLAIM = 3;
/** Exit status of `task claim` when files it named are claimed by another worker. */
export const EXIT_CLAIM_CONFLICT = 4;
/**
 * Exit status of `task complete`, `task fail` and `job heartbeat` refused as TASK_NOT_CLAIMED: the
 * task is not (or no longer) claimed with the token given, or none was given. Not 2, which is for
 * usage mistakes: a script tells a claim it lost from a command it got wrong.
 */
export const EXIT_TASK_NOT_CLAIMED = 5;
/** How often `task claim --wait` asks again while the tasks left are held by others (ms). */
const CLAIM_WAIT_POLL_MS = 250;

type Options = { config?: string; json?: boolean };

// True while job `jobId` has a task that may still run: held by a worker, or waiting for one and
// not blocked for good (a dependency that failed).
async function hasTasksLeft(desk: WorkerDesk, jobId: string): Promise<boolean> {
  const { tasks } = await desk.status(jobId);
  const blocked = new Set(findBlockedTasks(tasks).map((entry) => entry.taskId));
  return tasks.some((task) => task.status === 'claimed' || (task.status === 'todo' && !blocked.has(task.id)));
}

// An option, else an environment variable `jobline job join` wrote, else a usage error.
function fromEnv(value: string | undefined, variable: string, what: string): string {
  const found = value ?? process.env[variable];
  if (!found) throw new UsageError('USAGE', `Name the ${what} (or set ${variable}, as jobline job join writes it to $JOBLINE_ENV_FILE).`);
  return found;
}

function print(options: Options, json: unknown, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}

// `job-ab12cd34:t3`, or `t3` of the job `--job` (or $JOBLINE_JOB_ID) names.
function splitTaskId(reference: string, job: string | undefined): { jobId: string; taskId: string } {
  const colon = reference.lastIndexOf(':');
  if (colon !== -1) return { jobId: reference.slice(0, colon), taskId: reference.slice(colon + 1) };
  return { jobId: fromEnv(job, 'JOBLINE_JOB_ID', 'job (--job)'), taskId: reference };
}

const list = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);
const toPlans = (tasks: readonly TaskFileEntry[]) => tasks.map((task) => ({ title: task.title, input: task.input ?? task.title, dependsOn: task.dependsOn ?? [], claims: task.files ?? [] }));

/** Adds `job` and `task` with their subcommands to `program`. */
export function addWorkerCommands(program: Command, configOption: () => Option): void {
  // Each action gets the context and the desk; what it returns is the exit status (default 0). A
  // claim that is not the caller's (TASK_NOT_CLAIMED) exits EXIT_TASK_NOT_CLAIMED, said as the CLI says any error.
  const run = <A extends unknown[]>(action: (desk: WorkerDesk, context: AppContext, ...args: A) => Promise<number | void>) => async (...args: unknown[]) => {
    const options = args.at(-2) as Options;
    // --config before the command (`jobline --config F task claim`) counts too.
    const context = loadAppContext(options.config ?? (program.opts() as { config?: string }).config);
    try {
      process.exitCode = (await action(openWorkerDesk(context), context, ...(args as A))) ?? 0;
    } catch (error) {
      if (!(error instanceof JoblineError) || error.code !== 'TASK_NOT_CLAIMED') throw error;
      process.stderr.write(`jobline: ${error.message}\n`);
      if (options.json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2)}\n`);
      process.exitCode = EXIT_TASK_NOT_CLAIMED;
    }
  };
  // A claim token: the option, else the one `task claim` wrote to $JOBLINE_ENV_FILE (none: the service refuses, exit 5).
  const tokenOf = (options: { token?: string }): string | undefined => options.token ?? (process.env.JOBLINE_CLAIM_TOKEN || undefined);
  const job = program.command('job').description('external jobs and their workers, for scripts (through jobline serve when it runs, else on the jobs folder)');

  job.command('create').description('create a job whose tasks workers from outside claim; prints its id')
    .argument('<name>', 'its name (letters, digits, _ . -)')
    .option('--tasks <file>', 'its first tasks: a JSON array of { title, input?, dependsOn?, files? }, or one task per line (- for stdin)')
    .option('--json', 'print the job as JSON').addOption(configOption())
    .action(run(async (desk, context, name: string, options: Options & { tasks?: string }) => {
      const tasks = options.tasks ? parseTaskFile(options.tasks, readTaskFile(options.tasks)) : [];
      const created = await desk.create(name, toPlans(tasks), context.cwd);
      print(options, created, created.id);
    }));

  job.command('join').description('join a job as a worker of an agent; prints the worker id (and writes it to $JOBLINE_ENV_FILE)')
    .argument('<id>', 'job id, unique prefix or name').requiredOption('--as <agent>', 'the agent the worker runs (dev, claude, …)')
    .option('--json', 'print JSON').addOption(configOption())
    .action(run(async (desk, _context, id: string, options: Options & { as: string }) => {
      const joined = await desk.join(id, options.as);
      const envFile = process.env.JOBLINE_ENV_FILE;
      if (envFile) appendFileSync(envFile, `JOBLINE_JOB_ID=${joined.jobId}\nJOBLINE_WORKER_ID=${joined.worker}\nJOBLINE_WORKER_IDX=${joined.index}\n`, { mode: 0o600 });
      print(options, joined, joined.worker);
    }));

  // leave and heartbeat: a worker's own commands, on the job and worker `job join` wrote down.
  const workerCommands = {
    leave: { description: 'leave a job: the tasks the worker holds wait for another', act: async (desk: WorkerDesk, jobId: string, worker: string) => {
      const left = await desk.leave(jobId, worker);
      return { json: { jobId: left, worker }, text: `${worker} left ${left}` };
    } },
    heartbeat: { description: `renew a worker's lease (any command of the worker renews it too); a worker holding claims gives the token of one (exit ${EXIT_TASK_NOT_CLAIMED}: none, or not of its claims)`, act: async (desk: WorkerDesk, jobId: string, worker: string, token?: string) => {
      const leaseExpiresAt = await desk.heartbeat(jobId, worker, token);
      return { json: { worker, leaseExpiresAt }, text: `${worker}: lease until ${leaseExpiresAt}` };
    } },
  };
  for (const [name, { description, act }] of Object.entries(workerCommands)) {
    const command = job.command(name).description(description)
      .argument('[id]', 'job id (default: $JOBLINE_JOB_ID)').option('--worker <id>', 'the worker (default: $JOBLINE_WORKER_ID)');
    if (name === 'heartbeat') command.option('--token <token>', 'the claim token of a task it holds (default: $JOBLINE_CLAIM_TOKEN)');
    command.option('--json', 'print JSON').addOption(configOption())
      .action(run(async (desk, _context, id: string | undefined, options: Options & { worker?: string; token?: string }) => {
        const worker = fromEnv(options.worker, 'JOBLINE_WORKER_ID', 'worker (--worker)');
        const { json, text } = await act(desk, fromEnv(id, 'JOBLINE_JOB_ID', 'job'), worker, tokenOf(options));
        print(options, json, text);
      }));
  }

  job.command('status').description("a job's status, tasks and workers").argument('<id>', 'job id, unique prefix or name')
    .option('--json', 'print JSON').addOption(configOption())
    .action(run(async (desk, _context, id: string, options: Options) => {
      const view = await desk.status(id);
      const counts = new Map<string, number>();
      for (const task of view.tasks) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
      const workers = (view.job.joinedWorkers ?? []).map((worker) => worker.name);
      print(options, view, `${view.job.id}${view.job.name ? ` ${view.job.name}` : ''}: ${view.job.status}; tasks ${view.tasks.length}${[...counts].map(([status, count]) => `, ${count} ${status}`).join('')}; workers ${workers.length > 0 ? workers.join(' ') : 'none'}`);
    }));

  job.command('close').description('end an external job (default: completed)').argument('<id>', 'job id, unique prefix or name')
    .option('--status <status>', 'completed, failed or cancelled', 'completed').option('--reason <text>', 'why (for failed)')
    .option('--json', 'print the job as JSON').addOption(configOption())
    .action(run(async (desk, _context, id: string, options: Options & { status: string; reason?: string }) => {
      if (options.status !== 'completed' && options.status !== 'failed' && options.status !== 'cancelled') throw new UsageError('USAGE', `--status takes completed, failed or cancelled, not ${JSON.stringify(sanitizeLine(options.status))}.`);
      const closed = await desk.close(id, options.status, options.reason);
      print(options, closed, `${closed.id} ${closed.status}`);
    }));

  const task = program.command('task').description("a job's tasks, for workers from outside (through jobline serve when it runs, else on the jobs folder)");
  task.command('add').description("add a task to a job's current phase; prints its id").argument('<title>', 'what the task is')
    .option('--job <id>', 'the job (default: $JOBLINE_JOB_ID)').option('--input <text>', 'what to do (default: the title)')
    .option('--files <list>', 'comma-separated files or globs it may modify', list).option('--depends-on <list>', 'comma-separated task ids it waits for', list)
    .option('--json', 'print the task as JSON').addOption(configOption())
    .action(run(async (desk, _context, title: string, options: Options & { job?: string; input?: string; files?: string[]; dependsOn?: string[] }) => {
      const { jobId, tasks } = await desk.addTasks(fromEnv(options.job, 'JOBLINE_JOB_ID', 'job (--job)'), [{ title, input: options.input ?? title, dependsOn: options.dependsOn ?? [], claims: options.files ?? [] }]);
      const [added] = tasks as [Task];
      print(options, added, formatTaskId(jobId, added.id));
    }));

  task.command('claim').description(`claim the next runnable task; prints "<task id>\\t<title>" and writes its claim token to $JOBLINE_ENV_FILE (exit ${EXIT_NOTHING_TO_CLAIM}: none runnable, ${EXIT_CLAIM_CONFLICT}: files claimed)`)
    .option('--job <id>', 'the job (default: $JOBLINE_JOB_ID)').option('--worker <id>', 'the worker (default: $JOBLINE_WORKER_ID)')
    .option('--files <list>', 'comma-separated files the worker will modify', list)
    .option('--wait', `while other workers hold the tasks left, wait for one to become runnable (exit ${EXIT_NOTHING_TO_CLAIM} once none is left)`)
    .option('--json', 'print the task as JSON').addOption(configOption())
    .action(run(async (desk, _context, options: Options & { job?: string; worker?: string; files?: string[]; wait?: boolean }) => {
      const jobId = fromEnv(options.job, 'JOBLINE_JOB_ID', 'job (--job)');
      const worker = fromEnv(options.worker, 'JOBLINE_WORKER_ID', 'worker (--worker)');
      try {
        for (;;) {
          const claimed = await desk.claim(jobId, worker, options.files ?? []);
          if (claimed) {
            // The token goes where `job join` wrote the worker: the script sources it for the task's end.
            const envFile = process.env.JOBLINE_ENV_FILE;
            if (envFile) appendFileSync(envFile, `JOBLINE_CLAIM_TOKEN=${claimed.token}\n`, { mode: 0o600 });
            print(options, claimed, `${claimed.id}\t${sanitizeLine(claimed.title)}`);
            return 0;
          }
          // Waiting renews the lease too: every claim does.
          if (options.wait && (await hasTasksLeft(desk, jobId))) {
            await new Promise((resolve) => setTimeout(resolve, CLAIM_WAIT_POLL_MS));
            continue;
          }
          process.stderr.write(`No task of ${jobId} is runnable${options.wait ? ': none is left' : ' now'}.\n`);
          return EXIT_NOTHING_TO_CLAIM;
        }
      } catch (error) {
        if (!(error instanceof JoblineError) || error.code !== 'CLAIM_CONFLICT') throw error;
        process.stderr.write(`jobline: ${error.message}\n`);
        const details = (error as { details?: Record<string, unknown> }).details ?? {};
        if (options.json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, ...details } }, null, 2)}\n`);
        return EXIT_CLAIM_CONFLICT;
      }
    }));

  for (const [name, description] of [['complete', 'a claimed task is done'], ['fail', 'a claimed task failed (it waits again while its retries last)']] as const) {
    const command = task.command(name).description(`${description} (exit ${EXIT_TASK_NOT_CLAIMED}: not claimed with the token given, or none given)`).argument('<task>', 'task id: <job id>:<task> (or <task> with --job / $JOBLINE_JOB_ID)')
      .option('--job <id>', 'the job (default: $JOBLINE_JOB_ID)').option('--token <token>', 'its claim token, as task claim returned it (default: $JOBLINE_CLAIM_TOKEN)')
      .option('--worker <id>', 'the worker holding it, for display (default: $JOBLINE_WORKER_ID, when set)');
    if (name === 'complete') command.option('--summary <text>', 'its result, in a line').option('--files <list>', 'comma-separated files it modified', list);
    else command.requiredOption('--reason <text>', 'why it failed');
    command.option('--json', 'print the task as JSON').addOption(configOption())
      .action(run(async (desk, _context, reference: string, options: Options & { job?: string; worker?: string; token?: string; summary?: string; files?: string[]; reason?: string }) => {
        const { jobId, taskId } = splitTaskId(reference, options.job);
        const worker = options.worker ?? process.env.JOBLINE_WORKER_ID;
        const token = tokenOf(options);
        const byWorker = { ...(worker ? { worker } : {}), ...(token ? { token } : {}) };
        const ended = await desk.end(jobId, taskId, name === 'complete' ? { summary: options.summary ?? null, filesModified: options.files ?? [], ...byWorker } : { reason: options.reason!, ...byWorker });
        print(options, ended, `${ended.id} ${ended.status}`);
      }));
  }
}

// A tasks file's text (`-`: stdin). @throws UsageError naming the file it cannot read.
function readTaskFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError('USAGE', `Cannot read tasks from ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
}
