// Every route's input is checked before it runs, and a refusal names what is wrong in one bounded
// line; the OpenAPI document describes exactly the routes, bodies and queries the server takes.
import { describe, expect, it } from 'vitest';
import { MAX_NAMED_FIELDS, MAX_NAMED_PROBLEMS } from '../../../src/server/route-table.js';
import { makeApiApp, ORIGIN, TOKEN } from './api-harness.js';

describe('a body or query the route refuses', () => {
  it('is 400 naming each field and its problem, at most five, counting the rest', async () => {
    const api = makeApiApp();
    const one = await api.call('POST', '/api/jobs', { agent: 'two', workers: 0 });
    expect(one.status).toBe(400);
    expect(one.body.error).toEqual({ code: 'BAD_REQUEST', message: "The request's body is not valid: workers: Too small: expected number to be >=1." });
    const many = await api.call('POST', '/api/jobs', { agent: '', workers: 0, retries: -1, keepGoing: 'yes', mode: 'x', cwd: 'relative', name: '-' });
    expect(many.body.error.message).toMatch(/^The request's body is not valid: agent: [^;]+; mode: [^;]+; workers: [^;]+; retries: [^;]+; keepGoing: [^;]+; and 2 more problems\.$/);
    expect(MAX_NAMED_PROBLEMS).toBe(5);
    const nested = await api.call('POST', '/api/jobs', { agent: 'two', tasks: [{ title: 'a' }, { title: '' }] });
    expect(nested.body.error.message).toBe("The request's body is not valid: tasks.1.title: Too small: expected string to have >=1 characters.");
    const notObject = await api.call('POST', '/api/jobs', ['a']);
    expect(notObject.body.error.message).toBe("The request's body is not valid: body: Invalid input: expected object, received array.");
  });

  it('with unknown fields names at most ten of them, cutting long names, and counts the rest', async () => {
    const api = makeApiApp();
    const one = await api.call('POST', '/api/jobs', { agent: 'two', colour: 'red' });
    expect(one.body.error.message).toBe('The request\'s body is not valid: body: unknown field "colour".');
    const fields = Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`f${index}`, 1]));
    const twelve = await api.call('POST', '/api/jobs', { agent: 'two', ...fields });
    expect(twelve.body.error.message).toBe('The request\'s body is not valid: body: unknown fields "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9" and 2 more.');
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`f${index}`, 1]));
    expect((await api.call('POST', '/api/jobs', { agent: 'two', ...ten })).body.error.message).toBe('The request\'s body is not valid: body: unknown fields "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9".');
    expect(MAX_NAMED_FIELDS).toBe(10);
    const long = await api.call('POST', '/api/jobs', { agent: 'two', [`${'k'.repeat(100)}`]: 1 });
    expect(long.body.error.message).toBe(`The request's body is not valid: body: unknown field "${'k'.repeat(60)}…".`);
    const exact = await api.call('POST', '/api/jobs', { agent: 'two', [`${'k'.repeat(60)}`]: 1 });
    expect(exact.body.error.message).toBe(`The request's body is not valid: body: unknown field "${'k'.repeat(60)}".`);
    // A long key in a path is cut too.
    const record = await api.call('POST', '/api/jobs', { template: 'x', values: { [`${'v'.repeat(70)}`]: 'x' } });
    expect(record.body.error.message).toBe(`The request's body is not valid: values.${'v'.repeat(60)}…: expected a placeholder name.`);
    const query = await api.call('GET', '/api/jobs?colour=red');
    expect(query.body.error.message).toBe('The request\'s query is not valid: query: unknown field "colour".');
  });

  it('that is not JSON is 400 saying where it goes wrong without quoting it; an empty body is {}', async () => {
    const api = makeApiApp();
    const broken = await api.call('POST', '/api/jobs', undefined, { rawBody: '{"prompt": secret}', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toEqual({ code: 'BAD_REQUEST', message: 'The body is not valid JSON: unexpected character at line 1, column 12.' });
    const blank = await api.call('POST', '/api/login-links', undefined, { rawBody: '  \n', headers: { 'content-type': 'application/json' } });
    expect(blank.status).toBe(201);
  });

  it('that came in without a length (so unchecked by the guard) must still be JSON', async () => {
    const api = makeApiApp();
    const answer = await api.app.request(`${ORIGIN}/api/login-links`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: new TextEncoder().encode('{}') }, { incoming: { headers: { host: '127.0.0.1:4321' }, socket: { localPort: 4321 } } });
    expect(answer.status).toBe(415);
    expect(await answer.json()).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The body must be JSON, sent with Content-Type: application/json.' } });
    const json = await api.app.request(`${ORIGIN}/api/login-links`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'Application/JSON; charset=utf-8' }, body: new TextEncoder().encode('{}') }, { incoming: { headers: { host: '127.0.0.1:4321' }, socket: { localPort: 4321 } } });
    expect(json.status).toBe(201);
    const untyped = await api.app.request(`${ORIGIN}/api/login-links`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: new TextEncoder().encode('{}') }, { incoming: { headers: { host: '127.0.0.1:4321' }, socket: { localPort: 4321 } } });
    expect([untyped.status, ((await untyped.json()) as { error: { code: string } }).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('names each problem in at most 300 characters', async () => {
    const api = makeApiApp();
    // 100 unknown statuses: the sentence naming them is cut.
    const answer = await api.call('GET', `/api/jobs?status=${Array.from({ length: 100 }, () => 'x').join(',')}`);
    const prefix = "The request's query is not valid: status: ";
    expect(answer.body.error.message).toBe(`${prefix}${`unknown status ${Array.from({ length: 100 }, () => 'x').join(', ')}`.slice(0, 300)}.`);
  });
});

describe('the OpenAPI document', () => {
  it('describes each route: its path parameters, its query\'s fields, its body\'s schema, its answers and the error shape', async () => {
    const api = makeApiApp();
    const { body } = await api.call('GET', '/api/openapi.json');
    expect(body).toMatchObject({
      openapi: '3.1.0',
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: { type: 'object', required: ['error'] } } },
    });
    expect(body.info.description).toContain('Authorization: Bearer <token>');
    const show = body.paths['/api/jobs/{id}'].get;
    expect(show.summary).toContain('One job with its phases');
    expect(show.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(show).not.toHaveProperty('requestBody');
    expect(show.responses['200']).toEqual({ description: '{ job, tasks, runs }' });
    expect(show.responses.default).toEqual({ description: expect.stringContaining('An error: { error: { code, message } }'), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    const list = body.paths['/api/jobs'];
    expect(Object.keys(list)).toEqual(['get', 'post']);
    expect(list.get.parameters).toEqual([{ name: 'status', in: 'query', required: false, schema: expect.objectContaining({ type: 'string' }) }]);
    expect(list.post).not.toHaveProperty('parameters');
    expect(list.post.requestBody).toMatchObject({ required: false, content: { 'application/json': { schema: { type: 'object', properties: { prompt: expect.any(Object) } } } } });
    const complete = body.paths['/api/tasks/{id}/complete'].post;
    expect(complete.responses['409']).toEqual({ description: 'TASK_NOT_CLAIMED: not claimed, or not with that token' });
    const heartbeat = body.paths['/api/jobs/{id}/workers/{worker}/heartbeat'].post;
    expect(heartbeat.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(['id', 'worker']);
    const logs = body.paths['/api/jobs/{id}/logs'].get;
    expect(logs.parameters.map((parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`)).toEqual(['path:id', 'query:task', 'query:run', 'query:lines', 'query:follow', 'query:failed']);
  });
});
