// One place that declares each API route: its method, path, summary, and the zod schemas of its
// body and query. Registering a route both adds it to the Hono app (with its input checked) and
// lists it for the OpenAPI document, so the document describes exactly what the server does.
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import { describeJsonError } from '../text/json-error.js';
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
    // Hono takes the method in any case (it upper-cases it).
    this.app.on(spec.method, honoPath, async (context) => {
      const body = spec.body ? parse(spec.body, await readJson(context), 'body') : (undefined as B);
      const query = spec.query ? parse(spec.query, context.req.query(), 'query') : (undefined as Q);
      return handle({ context, body: body as B, query: query as Q, params: context.req.param() as Record<string, string> });
    });
  }
}

// The request's JSON body ({} when it has none). The request guard has checked its Content-Type
// (request-guard.ts); a body that came in nonetheless without one is refused here too.
async function readJson(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === '') return {};
  const type = context.req.header('content-type')?.split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON, sent with Content-Type: application/json.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError('BAD_REQUEST', `The body is not valid JSON: ${describeJsonError(error, text)}.`);
  }
}

/** Most problems one refusal names (the rest are counted). */
export const MAX_NAMED_PROBLEMS = 5;
/** Most unknown fields named in one problem (the rest are counted). */
export const MAX_NAMED_FIELDS = 10;

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, MAX_NAMED_PROBLEMS).map((issue) => `${issue.path.length > 0 ? issue.path.map(describeSegment).join('.') : where}: ${describeIssue(issue)}`);
  const more = result.error.issues.length - problems.length;
  throw new HttpError('BAD_REQUEST', `The request's ${where} is not valid: ${problems.join('; ')}${more > 0 ? `; and ${more} more problems` : ''}.`);
}

// An issue in a sentence of bounded length: unknown fields are named (at most MAX_NAMED_FIELDS)
// and counted, not all listed (a body of 500,000 of them gets one short line). A record's key that
// is not of its form: zod says only "Invalid key in record"; what the key should be is in the
// key's own issues (a placeholder name, say).
function describeIssue(issue: z.core.$ZodIssue): string {
  // A key fails its one schema: zod gives at least one issue for it.
  if (issue.code !== 'unrecognized_keys') return (issue.code === 'invalid_key' ? issue.issues[0]!.message : issue.message).slice(0, 300);
  const named = issue.keys.slice(0, MAX_NAMED_FIELDS).map((key) => JSON.stringify(describeSegment(key)));
  const rest = issue.keys.length - named.length;
  return `unknown field${issue.keys.length === 1 ? '' : 's'} ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}

// A path segment as shown: a long key (a record's) is cut.
function describeSegment(segment: PropertyKey): string {
  const text = String(segment);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
