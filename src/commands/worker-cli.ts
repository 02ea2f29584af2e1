// `jobline job …` and `jobline task …`: external orchestration from scripts (the fray design's
// job create / join / leave / status / close, and the claim of work items). Each command is one
// request to the jobs' owner: the running `jobline serve` (see connectToServer).
import { appendFileSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Job } from '../jobs/model/job.js';
import type { Task } from '../jobs/model/task.js';
import { findBlockedTasks } from '../jobs/model/scheduler.js';
import { sanitizeLine } from '../render/text.js';
import { ApiError, type ServerClient } from '../client/server-client.js';
import { connectToServer, loadAppContext, type AppContext } from './context.js';
import { parseTaskFile } from './task-file.js';
import { ServerError } from '../store/server-presence.js';

/** Exit status of `task claim` when no task is runnable now. */
export const EXIT_NOTHING_TO_CLAIM = 3;
/** Exit status of `task claim` when files it named are claimed by another worker. */
export const EXIT_CLAIM_CONFLICT = 4;
/** How often `task claim --wait` asks again while the tasks left are held by others (ms). */
const CLAIM_WAIT_POLL_MS = 250;

// True while job `jobId` has a task that may still run: held by a worker, or waiting for one and
// not blocked for good (a dependency that failed).
async function hasTasksLeft(server: ServerClient, jobId: string): Promise<boolean> {
  const { body } = await server.request<{ job: Job; tasks: Task[] }>('GET', `/api/jobs/${encodeURIComponent(jobId)}/tasks`);
  const blocked = new Set(findBlockedTasks(body.tasks).map((entry) => entry.taskId));
  return body.tasks.some((task) => task.status === 'claimed' || (task.status === 'todo' && !blocked.has(task.id)));
}

type Options = { config?: string; json?: boolean };

// The server's client, or a clear error when none runs on the jobs folder.
function requireServer(context: AppContext) {
  const client = connectToServer(context);
  if (!client) throw new ServerError('SERVER_NOT_RUNNING', `No jobline server runs on ${context.jobs.jobsDir}: start one with jobline serve (external workers take part in jobs it owns).`);
  return client;
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

/** Adds `job` and `task` with their subcommands to `program`. */
export function addWorkerCommands(program: Command, configOption: () => import('commander').Option): void {
  const job = program.command('job').description('external jobs and their workers, for scripts (through jobline serve)');
  const run = (action: (context: AppContext, ...rest: never[]) => Promise<number | void>) => async (...args: unknown[]) => {
    const options = args.at(-2) as Options;
    process.exitCode = (await action(loadAppContext(options.config), ...(args as never[]))) ?? 0;
  };

  job.command('create').description('create a job whose tasks workers from outside claim; prints its id')
    .argument('<name>', 'its name (letters, digits, _ . -)')
    .option('--tasks <file>', 'its first tasks: a JSON array of { title, input?, dependsOn?, files? }, or one task per line')
    .option('--json', 'print the job as JSON').addOption(configOption())
    .action(run(async (context, name: string, options: Options & { tasks?: string }) => {
      const tasks = options.tasks ? parseTaskFile(options.tasks, readFileSync(options.tasks === '-' ? 0 : options.tasks, 'utf8')) : [];
      const { body } = await requireServer(context).request<{ job: Job }>('POST', '/api/jobs', { agent: 'external', name, tasks, cwd: context.cwd });
      print(options, body.job, body.job.id);
    }));

  job.command('join').description('join a job as a worker of an agent; prints the worker id (and writes it to $JOBLINE_ENV_FILE)')
    .argument('<id>', 'job id, unique prefix or name').requiredOption('--as <agent>', 'the agent the worker runs (dev, claude, …)')
    .option('--json', 'print JSON').addOption(configOption())
    .action(run(async (context, id: string, options: Options & { as: string }) => {
      const { body } = await requireServer(context).request<{ worker: string; jobId: string; index: number }>('POST', `/api/jobs/${encodeURIComponent(id)}/workers`, { agent: options.as });
      const envFile = process.env.JOBLINE_ENV_FILE;
      if (envFile) appendFileSync(envFile, `JOBLINE_JOB_ID=${body.jobId}\nJOBLINE_WORKER_ID=${body.worker}\nJOBLINE_WORKER_IDX=${body.index}\n`);
      print(options, body, body.worker);
    }));

  for (const [name, description] of [['leave', 'leave a job: the tasks the worker holds wait for another'], ['heartbeat', "renew a worker's lease (any command of the worker renews it too)"]] as const) {
    job.command(name).description(description)
      .argument('[id]', 'job id (default: $JOBLINE_JOB_ID)').option('--worker <id>', 'the worker (default: $JOBLINE_WORKER_ID)')
      .option('--json', 'print JSON').addOption(configOption())
      .action(run(async (context, id: string | undefined, options: Options & { worker?: string }) => {
        const jobId = fromEnv(id, 'JOBLINE_JOB_ID', 'job');
        const worker = fromEnv(options.worker, 'JOBLINE_WORKER_ID', 'worker (--worker)');
        const path = `/api/jobs/${encodeURIComponent(jobId)}/workers/${encodeURIComponent(worker)}`;
        const { body } = await requireServer(context).request<unknown>(name === 'leave' ? 'DELETE' : 'POST', name === 'leave' ? path : `${path}/heartbeat`, name === 'leave' ? undefined : {});
        print(options, body, name === 'leave' ? `${worker} left ${jobId}` : `${worker}: lease until ${(body as { leaseExpiresAt: string }).leaseExpiresAt}`);
      }));
  }

  job.command('status').description("a job's status, tasks and workers").argument('<id>', 'job id, unique prefix or name')
    .option('--json', 'print JSON').addOption(configOption())
    .action(run(async (context, id: string, options: Options) => {
      const { body } = await requireServer(context).request<{ job: Job; tasks: Task[] }>('GET', `/api/jobs/${encodeURIComponent(id)}`);
      const counts = new Map<string, number>();
      for (const task of body.tasks) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
      const workers = (body.job.joinedWorkers ?? []).map((worker) => worker.name);
      print(options, body, `${body.job.id}${body.job.name ? ` ${body.job.name}` : ''}: ${body.job.status}; tasks ${body.tasks.length}${[...counts].map(([status, count]) => `, ${count} ${status}`).join('')}; workers ${workers.length > 0 ? workers.join(' ') : 'none'}`);
    }));

  job.command('close').description('end an external job (default: completed)').argument('<id>', 'job id, unique prefix or name')
    .option('--status <status>', 'completed, failed or cancelled', 'completed').option('--reason <text>', 'why (for failed)')
    .option('--json', 'print the job as JSON').addOption(configOption())
    .action(run(async (context, id: string, options: Options & { status: string; reason?: string }) => {
      if (!['completed', 'failed', 'cancelled'].includes(options.status)) throw new UsageError('USAGE', `--status takes completed, failed or cancelled, not ${JSON.stringify(sanitizeLine(options.status))}.`);
      const { body } = await requireServer(context).request<{ job: Job }>('POST', `/api/jobs/${encodeURIComponent(id)}/close`, { status: options.status, ...(options.reason ? { reason: options.reason } : {}) });
      print(options, body.job, `${body.job.id} ${body.job.status}`);
    }));

  const task = program.command('task').description("a job's tasks, for workers from outside (through jobline serve)");
  task.command('add').description("add a task to a job's current phase; prints its id").argument('<title>', 'what the task is')
    .option('--job <id>', 'the job (default: $JOBLINE_JOB_ID)').option('--input <text>', 'what to do (default: the title)')
    .option('--files <list>', 'comma-separated files or globs it may modify', list).option('--depends-on <list>', 'comma-separated task ids it waits for', list)
    .option('--json', 'print the task as JSON').addOption(configOption())
    .action(run(async (context, title: string, options: Options & { job?: string; input?: string; files?: string[]; dependsOn?: string[] }) => {
      const jobId = fromEnv(options.job, 'JOBLINE_JOB_ID', 'job (--job)');
      const { body } = await requireServer(context).request<{ tasks: Task[] }>('POST', `/api/jobs/${encodeURIComponent(jobId)}/tasks`, { tasks: [{ title, ...(options.input ? { input: options.input } : {}), ...(options.files ? { files: options.files } : {}), ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}) }] });
      const [added] = body.tasks;
      print(options, added, `${jobId}:${added!.id}`);
    }));

  task.command('claim').description(`claim the next runnable task; prints "<task id>\\t<title>" (exit ${EXIT_NOTHING_TO_CLAIM}: none runnable, ${EXIT_CLAIM_CONFLICT}: files claimed)`)
    .option('--job <id>', 'the job (default: $JOBLINE_JOB_ID)').option('--worker <id>', 'the worker (default: $JOBLINE_WORKER_ID)')
    .option('--files <list>', 'comma-separated files the worker will modify', list)
    .option('--wait', `while other workers hold the tasks left, wait for one to become runnable (exit ${EXIT_NOTHING_TO_CLAIM} once none is left)`)
    .option('--json', 'print the task as JSON').addOption(configOption())
    .action(run(async (context, options: Options & { job?: string; worker?: string; files?: string[]; wait?: boolean }) => {
      const jobId = fromEnv(options.job, 'JOBLINE_JOB_ID', 'job (--job)');
      const worker = fromEnv(options.worker, 'JOBLINE_WORKER_ID', 'worker (--worker)');
      const server = requireServer(context);
      try {
        for (;;) {
          const { status, body } = await server.request<{ task: Task & { input: string } } | null>('POST', `/api/jobs/${encodeURIComponent(jobId)}/tasks/claim`, { worker, ...(options.files ? { files: options.files } : {}) });
          if (status === 200 && body) {
            print(options, body.task, `${body.task.id}\t${sanitizeLine(body.task.title)}`);
            return 0;
          }
          // Waiting renews the lease too: every claim does.
          if (options.wait && (await hasTasksLeft(server, jobId))) {
            await new Promise((resolve) => setTimeout(resolve, CLAIM_WAIT_POLL_MS));
            continue;
          }
          process.stderr.write(`No task of ${jobId} is runnable${options.wait ? ': none is left' : ' now'}.\n`);
          return EXIT_NOTHING_TO_CLAIM;
        }
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'CLAIM_CONFLICT') throw error;
        process.stderr.write(`jobline: ${error.message}\n`);
        if (options.json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, ...error.details } }, null, 2)}\n`);
        return EXIT_CLAIM_CONFLICT;
      }
    }));

  for (const [name, description] of [['complete', 'a claimed task is done'], ['fail', 'a claimed task failed (it waits again while its retries last)']] as const) {
    const command = task.command(name).description(description).argument('<task>', 'task id: <job id>:<task> (or <task> with --job / $JOBLINE_JOB_ID)')
      .option('--job <id>', 'the job (default: $JOBLINE_JOB_ID)').option('--worker <id>', 'the worker holding it (default: $JOBLINE_WORKER_ID, when set)');
    if (name === 'complete') command.option('--summary <text>', 'its result, in a line').option('--files <list>', 'comma-separated files it modified', list);
    else command.requiredOption('--reason <text>', 'why it failed');
    command.option('--json', 'print the task as JSON').addOption(configOption())
      .action(run(async (context, reference: string, options: Options & { job?: string; worker?: string; summary?: string; files?: string[]; reason?: string }) => {
        const { jobId, taskId } = splitTaskId(reference, options.job);
        const worker = options.worker ?? process.env.JOBLINE_WORKER_ID;
        const body = name === 'complete' ? { summary: options.summary ?? null, filesModified: options.files ?? [] } : { reason: options.reason };
        const { body: answer } = await requireServer(context).request<{ task: Task }>('POST', `/api/tasks/${encodeURIComponent(`${jobId}:${taskId}`)}/${name}`, { ...body, ...(worker ? { worker } : {}) });
        print(options, answer.task, `${answer.task.id} ${answer.task.status}`);
      }));
  }
}
