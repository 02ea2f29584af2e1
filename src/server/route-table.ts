// One place that declares each API route: its method, path, summary, and the zod schemas of its
// body and query. Registering a route both adds it to the Hono app (with its input checked) and
// lists it for the OpenAPI document, so the document describes exactly what the server does.
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import { HttpError } from './http-errors.js';

/** A route as the OpenAPI document lists it (paths in OpenAPI syntax: `/api/jobs/{id}`). */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Statuses it answers with, besides the errors every route may give; each with what it holds. */
  responses: Record<number, string>;
}

/** What a handler gets: the Hono context, the checked body and query, and the path's parameters. */
export interface RouteInput<B, Q> {
  context: Context;
  body: B;
  query: Q;
  params: Record<string, string>;
}

/** Declares routes on a Hono app and keeps their specs (see RouteSpec). */
export class RouteTable {
  readonly specs: RouteSpec[] = [];

  constructor(private readonly app: Hono) {}

  /**
   * Adds route `spec`: the body (JSON) and the query are parsed with its schemas before `handle`
   * runs. @throws (to the app's error handler) HttpError BAD_REQUEST naming the field and the
   * problem, UNSUPPORTED_MEDIA_TYPE for a body that is not JSON.
   */
  add<B = undefined, Q = undefined>(spec: RouteSpec & { body?: z.ZodType<B>; query?: z.ZodType<Q> }, handle: (input: RouteInput<B, Q>) => Promise<Response> | Response): void {
    this.specs.push(spec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.app.on(spec.method.toUpperCase(), honoPath, async (context) => {
      const body = spec.body ? parse(spec.body, await readJson(context), 'body') : (undefined as B);
      const query = spec.query ? parse(spec.query, context.req.query(), 'query') : (undefined as Q);
      return handle({ context, body: body as B, query: query as Q, params: context.req.param() as Record<string, string> });
    });
  }
}

// The request's JSON body ({} when it has none).
async function readJson(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === '') return {};
  const type = context.req.header('content-type') ?? '';
  if (type !== '' && !type.startsWith('application/json')) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `The body must be JSON (Content-Type: application/json), not ${type}.`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError('BAD_REQUEST', `The body is not valid JSON: ${(error as Error).message}.`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : where}: ${issue.message}`);
  throw new HttpError('BAD_REQUEST', `The request's ${where} is not valid: ${problems.join('; ')}.`);
}
