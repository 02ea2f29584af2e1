// The dashboard's calls to the API: same origin, with the page's browser key as a header (no
// cookie: see auth.ts); errors come back as the API's { error: { code, message } }, thrown as
// ApiFailure.
import { authHeaders } from './auth.js';
import type { JobCard, TemplateInfo, Task, Run, TaskCounts, JobManifest, Job } from './types.js';

/** A refused or failed call: the API's code and message (`UNAUTHORIZED` when not logged in). */
export class ApiFailure extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

/** Calls `method path` with JSON `body`; resolves to the parsed answer. @throws ApiFailure. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { method, credentials: 'omit', headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure('UNREACHABLE', 'The jobline server does not answer. Is jobline serve still running?', 0);
  }
  const text = await response.text();
  if (!response.ok) {
    let code = 'HTTP_ERROR';
    let message = `${response.status} ${response.statusText}`;
    try {
      const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
      if (parsed.error) ({ code, message } = parsed.error);
    } catch {
      // Not the API's shape: keep the status line.
    }
    throw new ApiFailure(code, message, response.status);
  }
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('application/json') ? JSON.parse(text) : text) as T;
}

/**
 * A streamed answer to `GET path` (a run's output followed), with the page's key. Resolves once
 * the headers are in. @throws ApiFailure (UNREACHABLE, or the status).
 */
export async function openStream(path: string, signal: AbortSignal): Promise<Response> {
  const response = await fetch(path, { signal, credentials: 'omit', headers: authHeaders() }).catch((error: unknown) => {
    if (signal.aborted) throw error;
    throw new ApiFailure('UNREACHABLE', 'The jobline server does not answer.', 0);
  });
  if (!response.ok || !response.body) throw new ApiFailure('HTTP_ERROR', `${response.status} ${response.statusText}`, response.status);
  return response;
}

/** A single-use ticket that opens the event stream within 30 s (an EventSource cannot send the key). */
export async function requestEventTicket(): Promise<string> {
  return (await call<{ ticket: string }>('POST', '/api/event-tickets', {})).ticket;
}

/** The board: every job's card and the slots. */
export function readBoard(): Promise<{ cards: JobCard[]; slots: { used: number; max: number; workers: number }; total: number }> {
  return call('GET', '/api/board');
}

/** One job's card. */
export async function readCard(id: string): Promise<JobCard | null> {
  const { cards } = await call<{ cards: JobCard[] }>('GET', `/api/board?job=${encodeURIComponent(id)}`);
  return cards[0] ?? null;
}

/**
 * A page of a job's tasks of one phase (running, failed, waiting, then done; only those of
 * `filter.status` and matching `filter.q` when given), with their runs, every phase's counts, and
 * the job's tasks and runs in all. `total`: the tasks the filter lets through.
 */
export function readTaskPage(id: string, phase: number, offset: number, limit: number, filter: { status?: string; q?: string } = {}): Promise<{ tasks: Task[]; runs: Run[]; total: number; phases: TaskCounts[]; counts: { tasks: number; runs: number } }> {
  const extra = `${filter.status ? `&status=${encodeURIComponent(filter.status)}` : ''}${filter.q ? `&q=${encodeURIComponent(filter.q)}` : ''}`;
  return call('GET', `/api/jobs/${encodeURIComponent(id)}/task-page?phase=${phase}&offset=${offset}&limit=${limit}${extra}`);
}

/** The templates of the server's config. */
export async function readTemplates(): Promise<TemplateInfo[]> {
  return (await call<{ templates: TemplateInfo[] }>('GET', '/api/templates')).templates;
}

/** An ended job's manifest, or null when it has none. */
export async function readManifest(id: string): Promise<JobManifest | null> {
  try {
    return await call<JobManifest>('GET', `/api/jobs/${encodeURIComponent(id)}/manifest`);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return null;
    throw error;
  }
}

/** A decision on job `id`: approve, retry (with feedback), cancel, resume. */
export function decide(id: string, verb: 'approve' | 'retry' | 'cancel' | 'resume', body: Record<string, unknown> = {}): Promise<{ job: Job }> {
  return call('POST', `/api/jobs/${encodeURIComponent(id)}/${verb}`, body);
}

/** Sets failed, cancelled or interrupted job `id` aside: out of Needs you, kept under Finished (see Job.dismissedAt). */
export function dismissJob(id: string): Promise<{ job: Job }> {
  return call('PUT', `/api/jobs/${encodeURIComponent(id)}`, { dismissed: true });
}

/** Deletes job `id` with its tasks, runs and outputs (force: cancels it first). */
export function deleteJob(id: string, force: boolean): Promise<{ removed: string[] }> {
  return call('DELETE', `/api/jobs/${encodeURIComponent(id)}${force ? '?force=true' : ''}`);
}

/** Submits a job from template `name` with `values`. */
export function runTemplate(name: string, values: Record<string, string>): Promise<{ job: Job; queuePosition: number }> {
  return call('POST', '/api/jobs', { template: name, values });
}
