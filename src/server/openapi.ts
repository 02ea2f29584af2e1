// The OpenAPI 3.1 document of the API, built from the route table (see route-table.ts): each
// route's summary, body and query schemas (zod's JSON Schema), and its answers.
import * as z from 'zod';
import type { RouteSpec } from './route-table.js';

/** The OpenAPI document for `specs` (served at /api/openapi.json). */
export function buildOpenApiDocument(specs: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const parameters = [...spec.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    if (spec.query) {
      const schema = z.toJSONSchema(spec.query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property as { type: string } });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(spec.responses)) responses[status] = { description };
    responses.default = { description: 'An error: { error: { code, message } } (400 bad request, 401 no token, 403 another origin, 404 not found, 409 conflict, 413 too large, 415 not JSON, 421 not this server\'s Host, 503 busy).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    (paths[spec.path] ??= {})[spec.method] = {
      summary: spec.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: false, content: { 'application/json': { schema: z.toJSONSchema(spec.body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'jobline', version, description: 'Jobs, their tasks and runs, workers that join jobs, and a live event stream. Every request carries the token of the server (Authorization: Bearer <token>; the token is in the jobs folder, file server-token), or the browser key a one-time login link gives the dashboard. Requests are refused when their Host is not the server\'s own address (421), when they come from a page of another origin (403), and when a body is not Content-Type: application/json (415).' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } } },
    },
    paths,
  };
}
