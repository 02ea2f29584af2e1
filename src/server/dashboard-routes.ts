// The web dashboard's side of the server: its page and bundled assets (public: they hold no data,
// and every request for data needs the browser key the page sends), and the reads made for it: the board's
// cards, a page of a job's tasks, a phase's diff.
import { existsSync, readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import { readFullDiff } from '../agents/workspace-snapshot.js';
import { isActiveStatus, type Job } from '../jobs/model/job.js';
import { countTasks, type Run, type Task, type TaskBoard, type TaskCounts } from '../jobs/model/task.js';
import { parseTaskStatuses, sortTasksForView } from '../jobs/model/task-order.js';
import type { ApiDeps } from './api-deps.js';
import { getMaxWorkers } from '../config/schema.js';
import { boardQuerySchema, tasksPageQuerySchema } from './api-schemas.js';
import { HttpError } from './http-errors.js';
import type { RouteTable } from './route-table.js';

/** One job as a card of the board: the job, and for an active one its task counts and its workers' runs. */
export interface JobCard {
  job: Job;
  /** Its tasks by status (null for an ended job: its tasks are not read for the board). */
  tasks: TaskCounts | null;
  /** Its runs in progress: the worker, its task and the task's title (empty for an ended job). */
  workers: Array<{ worker: string; taskId: string; title: string; startedAt: string }>;
}

/** The dashboard's files, by URL path: read once, at the server's start, from dist/dashboard/. */
interface Asset {
  body: Buffer;
  type: string;
}

// Only what the page loads; nothing of another origin (the page works offline).
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The folder of the dashboard's built files for the module at `moduleUrl` (a file: URL):
 * dist/dashboard/, next to tsc's dist/server/ or the bundle's dist/chunks/ (one level up), or beside
 * a bundle in dist/ itself; the first of these when neither holds an index.html.
 */
export function findDashboardFolder(moduleUrl: string | URL): URL {
  const candidates = [new URL('../dashboard/', moduleUrl), new URL('./dashboard/', moduleUrl)];
  return candidates.find((candidate) => existsSync(new URL('index.html', candidate))) ?? candidates[0]!;
}

function loadAssets(folder: URL): Map<string, Asset> {
  const files: Array<[string, string, string]> = [['/', 'index.html', 'text/html; charset=utf-8'], ['/assets/app.js', 'app.js', 'text/javascript; charset=utf-8'], ['/assets/app.css', 'app.css', 'text/css; charset=utf-8']];
  const assets = new Map<string, Asset>();
  for (const [path, file, type] of files) {
    try {
      assets.set(path, { body: readFileSync(new URL(file, folder)), type });
    } catch {
      // Not built (a test importing the sources): the page says so below.
    }
  }
  return assets;
}

/**
 * Serves the dashboard's page and assets on `app`, before the token check (see api-app.ts), from
 * `folder` (a file: URL ending in /; default: the built dashboard's, see findDashboardFolder).
 */
export function serveDashboardAssets(app: Hono, folder: URL = findDashboardFolder(import.meta.url)): void {
  const assets = loadAssets(folder);
  for (const path of ['/', '/assets/app.js', '/assets/app.css']) {
    app.get(path, (context) => {
      const asset = assets.get(path);
      if (!asset) return context.text('The dashboard is not built: run npm run build.', 503);
      context.header('content-type', asset.type);
      context.header('content-security-policy', CONTENT_SECURITY_POLICY);
      context.header('cross-origin-opener-policy', 'same-origin');
      context.header('cache-control', 'no-cache');
      return context.body(new Uint8Array(asset.body));
    });
  }
}

/** The card of `job` with its tasks and runs `board` (null: not read). */
export function toJobCard(job: Job, board: TaskBoard | null): JobCard {
  if (!board) return { job, tasks: null, workers: [] };
  const titles = new Map(board.tasks.map((task) => [task.id, task.title]));
  const workers = board.runs.filter((run) => run.state.status === 'running').map((run) => ({ worker: run.worker, taskId: run.taskId, title: titles.get(run.taskId) ?? '', startedAt: run.startedAt }));
  return { job, tasks: countTasks(board.tasks), workers };
}

/** Adds the dashboard's reads to `routes`. */
export function addDashboardRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { service } = deps;
  routes.add({ method: 'get', path: '/api/board', summary: 'The board: every job as a card (active ones with task counts and running workers), or one job\'s card (job=ID), and the slots.', query: boardQuerySchema, responses: { 200: '{ cards: JobCard[], slots: { used, max, workers }, total }' } }, async ({ context, query }) => {
    if (query.job) {
      const { job, board } = await service.view(query.job);
      return context.json({ cards: [toJobCard(job, isActiveStatus(job.status) ? board : null)] });
    }
    const listing = await service.list();
    // Stryker disable next-line ArrowFunction: a job that cannot be read gives no board, whether null or undefined
    const cards = await Promise.all(listing.jobs.map(async (job) => (isActiveStatus(job.status) ? toJobCard(job, (await service.view(job.id).catch(() => null))?.board ?? null) : toJobCard(job, null))));
    const used = listing.jobs.filter((job) => job.status === 'running').length;
    // With a queue, runs are capped by its global concurrency, or not here (0): by each worker's own.
    const workers = deps.config.queue ? (deps.config.queue.globalConcurrency ?? 0) : getMaxWorkers(deps.config);
    return context.json({ cards, slots: { used, max: deps.config.maxConcurrentJobs, workers }, total: listing.total, warnings: listing.warnings });
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}/task-page', summary: "A page of a job's tasks (phase: its index; status: failed,running,…; q: words of an id, title or input; offset, limit), running, failed, waiting, then done, with their runs, the counts of every phase, and the job's tasks and runs in all.", query: tasksPageQuerySchema, responses: { 200: '{ tasks, runs, total, phases: TaskCounts[], counts: { tasks, runs } }' } }, async ({ context, params, query }) => {
    const statuses = query.status === undefined ? null : parseTaskStatuses(query.status);
    if (query.status !== undefined && !statuses) throw new HttpError('BAD_REQUEST', `status: '${query.status.slice(0, 40)}' is not a task status (failed, running, waiting, done, not-run).`);
    const { job, board } = await service.view(params.id!);
    const words = query.q?.trim().toLowerCase() ?? '';
    const inPhase = board.tasks.filter((task) => (query.phase === undefined || task.phase === query.phase)
      && (!statuses || statuses.includes(task.status))
      // No words: every text includes ''.
      && `${task.id}\n${task.title}\n${task.input}`.toLowerCase().includes(words));
    // The order every view lists tasks in: the running and the failed are where one looks first.
    const tasks: Task[] = sortTasksForView(inPhase).slice(query.offset, query.offset + query.limit);
    const wanted = new Set(tasks.map((task) => task.id));
    const runs: Run[] = board.runs.filter((run) => wanted.has(run.taskId));
    const phases = job.phases.map((_phase, index) => countTasks(board.tasks.filter((task) => task.phase === index)));
    return context.json({ tasks, runs, total: inPhase.length, phases, counts: { tasks: board.tasks.length, runs: board.runs.length } });
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}/phases/{phase}/diff', summary: 'What a phase changed in its git workspace, as a unified diff (text).', responses: { 200: 'text/plain' } }, async ({ context, params }) => {
    const job = await service.get(params.id!);
    const index = Number(params.phase);
    const phase = Number.isInteger(index) ? job.phases[index] : undefined;
    if (!phase) throw new HttpError('NOT_FOUND', `${job.id} has no phase ${params.phase}.`);
    if (!phase.changes) return context.text('');
    // The body passes the API's scrubber (api-app.ts): a file's content may hold a key.
    const diff = readFullDiff(await service.creationFolderOf(job.id), phase.changes, false);
    return context.text(diff ?? 'The diff is no longer available: git has pruned the snapshots it was made from.\n');
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}/phases/{phase}/answer', summary: "A phase's whole answer (text): job.json keeps a long one cut, and its whole in the job's folder.", responses: { 200: 'text/plain' } }, async ({ context, params }) => {
    const job = await service.get(params.id!);
    const index = Number(params.phase);
    if (!Number.isInteger(index) || !job.phases[index]) throw new HttpError('NOT_FOUND', `${job.id} has no phase ${params.phase}.`);
    return context.text((await service.readPhaseOutput(job.id, index)) ?? '');
  });
}
