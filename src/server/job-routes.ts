// The jobs half of the API: list, show, submit, change, delete, and the decisions on a job
// (approve, retry, cancel, resume, close). Every change is one JobCommand to the job service.
import type { Job } from '../jobs/model/job.js';
import type { TaskPlan } from '../jobs/model/task.js';
import { isActiveStatus } from '../jobs/model/job.js';
import type { ApiDeps } from './api-deps.js';
import { expandTemplate, findTemplate, listPlaceholders } from '../config/templates.js';
import { findShellTexts } from '../agents/agent.js';
import { addTasksSchema, diffQuerySchema, approveSchema, closeSchema, deleteQuerySchema, emptySchema, listQuerySchema, resumeSchema, retrySchema, submitJobSchema, updateJobSchema, type taskInputSchema } from './api-schemas.js';
import { HttpError } from './http-errors.js';
import type { RouteTable } from './route-table.js';
import type * as z from 'zod';

/** Task inputs of a request as the model's plans (input defaults to the title; files are claims). */
export function toTaskPlans(tasks: ReadonlyArray<z.infer<typeof taskInputSchema>>): TaskPlan[] {
  return tasks.map((task) => ({ title: task.title, input: task.input ?? task.title, dependsOn: task.dependsOn ?? [], claims: task.files ?? [] }));
}

/** Adds the jobs routes to `routes`. */
export function addJobRoutes(routes: RouteTable, deps: ApiDeps): void {
  const { service } = deps;
  routes.add({ method: 'get', path: '/api/jobs', summary: 'List jobs, oldest first (status: a comma-separated list of statuses).', query: listQuerySchema, responses: { 200: '{ jobs: Job[], warnings, total, matching }' } }, async ({ context, query }) => {
    const listing = await service.list(query.status ? { statuses: query.status } : undefined);
    return context.json({ jobs: listing.jobs, warnings: listing.warnings, total: listing.total, matching: listing.matching });
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}', summary: 'One job with its phases, tasks and runs (id: a full id or a unique prefix).', responses: { 200: '{ job, tasks, runs }' } }, async ({ context, params }) => {
    const { job, board } = await service.view(params.id!);
    return context.json({ job, tasks: board.tasks, runs: board.runs });
  });

  routes.add({ method: 'post', path: '/api/jobs', summary: 'Submit a job: a prompt for an agent (default: the config\'s), or (agent "external") a job whose tasks workers from outside claim.', body: submitJobSchema, responses: { 201: '{ job, queuePosition, notice?, runLimit? }' } }, async ({ context, body }) => {
    const cwd = body.cwd ?? deps.defaultCwd;
    if (!body.template && body.values) throw new HttpError('BAD_REQUEST', 'values are for a template: give template too.');
    // The agent first: whether the template's values go into shell commands (quoted) depends on it.
    const template = body.template ? findTemplate(deps.config, body.template) : null;
    const agent = deps.resolveAgent(body.agent ?? template?.agent ?? undefined, cwd, body.definitions);
    const made = body.template ? expandTemplate(deps.config, body.template, body.values ?? {}, findShellTexts(agent)) : null;
    const tasks = body.tasks ? toTaskPlans(body.tasks) : made?.tasks ?? null;
    const result = await service.dispatch({
      type: 'submit', agent, prompt: made && body.prompt === '' ? made.prompt : body.prompt, mode: body.mode ?? made?.mode ?? 'background', cwd,
      workers: body.workers ?? made?.workers ?? undefined, retries: body.retries ?? made?.retries ?? undefined, keepGoing: body.keepGoing ?? made?.keepGoing ?? undefined,
      name: body.name ?? null, template: made?.template ?? body.templateRef ?? null,
      budget: body.budget ?? made?.budget ?? null, model: body.model ?? made?.model ?? null,
      ...(tasks ? { tasks } : {}), ...(body.inputs ? { taskInputs: body.inputs } : {}),
      ...(body.isolation ? { isolation: body.isolation } : {}), ...(body.base ? { base: body.base } : {}),
      // Written by a write thread: the server's thread serves every other client meanwhile (its
      // event streams among them), and the answer still waits for the job to be durable.
      isBulk: true,
    });
    return context.json(result, 201);
  });

  routes.add({ method: 'get', path: '/api/templates', summary: "The job templates of the server's config, with their placeholders.", responses: { 200: '{ templates: [{ name, description, agent, prompt, mode, placeholders }] }' } }, async ({ context }) => {
    const templates = Object.entries(deps.config.templates).map(([name, template]) => ({ name, description: template.description ?? null, agent: template.agent ?? null, prompt: template.prompt, mode: template.mode ?? null, placeholders: listPlaceholders(template) }));
    return context.json({ templates });
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}/manifest', summary: "An ended job's manifest (job_manifest.json; see docs/MANIFEST.md).", responses: { 200: 'JobManifest' } }, async ({ context, params }) => {
    const { job, manifest } = await service.manifest(params.id!);
    if (!manifest) throw new HttpError('NOT_FOUND', `${job.id} has no manifest: it is ${job.status}, and a manifest is written when a job ends.`);
    return context.json(manifest);
  });

  routes.add({ method: 'put', path: '/api/jobs/{id}', summary: "Change a job's name (null: none), while it is active its mode, or whether an unfinished job that ended is set aside (dismissed: true, it leaves Needs you).", body: updateJobSchema, responses: { 200: '{ job }' } }, async ({ context, params, body }) => {
    const job = await service.dispatch({ type: 'update', jobId: params.id!, ...body });
    return context.json({ job });
  });

  routes.add({ method: 'delete', path: '/api/jobs/{id}', summary: 'Delete a job with its tasks, runs and outputs; refused while it is active unless force=true, which cancels it first.', query: deleteQuerySchema, responses: { 200: '{ removed: string[] }' } }, async ({ context, params, query }) => {
    const job = await service.get(params.id!);
    if (isActiveStatus(job.status) && query.force !== 'true') throw new HttpError('JOB_ACTIVE', `${job.id} is ${job.status}: cancel it first, or delete with ?force=true (which cancels it).`);
    const removed = await removeJob(deps, job);
    if (removed.length === 0) throw new HttpError('JOB_ACTIVE', `${job.id} changed while it was being deleted; try again.`);
    return context.json({ removed });
  });

  routes.add({ method: 'get', path: '/api/jobs/{id}/diff', summary: "A job's whole change in its worktree against where it started (stat=true: a diffstat), as text.", query: diffQuerySchema, responses: { 200: 'text/plain' } }, async ({ context, params, query }) => {
    const { text } = await service.diff(params.id!, { isStat: query.stat === 'true', isColour: false });
    return context.text(text);
  });

  const decide = (verb: 'approve' | 'retry' | 'cancel' | 'resume' | 'close' | 'merge' | 'discard', summary: string, body: z.ZodType, toCommand: (jobId: string, body: never) => Parameters<typeof service.dispatch>[0]): void => {
    routes.add({ method: 'post', path: `/api/jobs/{id}/${verb}`, summary, body, responses: { 200: '{ job }' } }, async ({ context, params, body: checked }) => {
      const job = (await service.dispatch(toCommand(params.id!, checked as never))) as Job;
      return context.json({ job });
    });
  };
  decide('merge', "Land the job's worktree work on its target through the merge queue; resolves once the landing ended (the job says how: merge.status).", emptySchema, (jobId) => ({ type: 'merge', jobId }));
  decide('discard', "Remove the job's worktree and branch: its work is gone (the job stays, merge.status discarded).", emptySchema, (jobId) => ({ type: 'discard', jobId }));
  decide('approve', 'Approve the phase the job waits on (requestId: the approval answered; a stale one is refused).', approveSchema, (jobId, body: z.infer<typeof approveSchema>) => ({ type: 'approve', jobId, ...body }));
  decide('retry', 'Run the phase the job waits on again, with feedback.', retrySchema, (jobId, body: z.infer<typeof retrySchema>) => ({ type: 'retry', jobId, feedback: body.feedback ?? null, ...(body.requestId ? { requestId: body.requestId } : {}), ...(body.keep ? { keep: true } : {}) }));
  decide('cancel', 'Cancel an active job.', emptySchema, (jobId) => ({ type: 'cancel', jobId }));
  decide('resume', 'Resume an interrupted, failed or cancelled job: only its work not done runs (retryFailed: its failed tasks too, where the resume is not their retry anyway; isolation worktree: a job that ran in place goes on in a worktree of its own; model: the model the rest of an LLM job runs on).', resumeSchema, (jobId, body: z.infer<typeof resumeSchema>) => ({ type: 'resume', jobId, mode: body.mode, ...(body.retryFailed ? { retryFailed: true } : {}), ...(body.isolation ? { isolation: body.isolation } : {}), ...(body.model ? { model: body.model } : {}) }));
  decide('close', 'Close an external job (status: completed, failed or cancelled).', closeSchema, (jobId, body: z.infer<typeof closeSchema>) => ({ type: 'close', jobId, status: body.status, reason: body.reason ?? null }));

  routes.add({ method: 'get', path: '/api/jobs/{id}/tasks', summary: "A job's tasks and runs.", responses: { 200: '{ tasks, runs }' } }, async ({ context, params }) => {
    const { board } = await service.view(params.id!);
    return context.json({ tasks: board.tasks, runs: board.runs });
  });

  routes.add({ method: 'post', path: '/api/jobs/{id}/tasks', summary: "Add tasks to an active job's current phase.", body: addTasksSchema, responses: { 201: '{ tasks }' } }, async ({ context, params, body }) => {
    const tasks = await service.dispatch({ type: 'addTasks', jobId: params.id!, tasks: toTaskPlans(body.tasks) });
    return context.json({ tasks }, 201);
  });
}

// Cancels an active job (force), waits for its runs to stop, and removes its folder.
async function removeJob(deps: ApiDeps, job: Job): Promise<string[]> {
  const { service } = deps;
  if (isActiveStatus(job.status)) await service.dispatch({ type: 'cancel', jobId: job.id });
  // A cancelled job's runs stop within the cancel's grace period; it is removable once they have.
  const deadline = Date.now() + deps.cancelGraceMs + 3000;
  for (;;) {
    const latest = await service.get(job.id);
    const removed = await service.dispatch({ type: 'remove', jobs: [latest] });
    if (removed.length > 0 || Date.now() > deadline) return removed;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
