// The web dashboard in headless Chromium (Debian's chromium, driven by playwright-core) against a
// real `jobline serve` holding 1,000 stored jobs while a job of 10,000 tasks runs: how long the
// board and that job's page take to show, and the time from a job's event (its creation, stamped
// by the server) to its card in the page (the big job keeps 2 of the 3 run slots busy meanwhile). The baseline, in the same page and run: the same event
// arriving on a bare EventSource, without the dashboard's rendering.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CLI, percentile, seedJobs, tempDir } from './lib.mjs';

const STORED_JOBS = 1000;
const BIG_JOB_TASKS = 10_000;
const SAMPLES = 60;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function startServer(cwd, jobsDir) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd, env: { ...process.env, JOBLINE_JOBS_DIR: jobsDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/api/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`jobline serve exited (${code}): ${output}`)));
  });
  const token = readFileSync(join(jobsDir, 'server-token'), 'utf8').trim();
  const api = async (method, path, body) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return response.json();
  };
  const stop = () => new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  return { port, api, stop };
}

/** One run: the dashboard's figures. */
export async function measureDashboard() {
  const cwd = tempDir('jobline-dashboard-');
  const jobsDir = join(cwd, 'jobs');
  seedJobs(jobsDir, STORED_JOBS);
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ maxCompletedJobs: 10_000, maxUnfinishedJobs: 10_000 }));
  const server = await startServer(cwd, jobsDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
  try {
    const big = (await server.api('POST', '/api/jobs', { prompt: `${BIG_JOB_TASKS} tasks`, agent: 'sh', mode: 'background', workers: 2, inputs: Array.from({ length: BIG_JOB_TASKS }, (_, index) => `: task ${index}`) })).job.id;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { url } = await server.api('POST', '/api/login-links', {});
    let started = performance.now();
    await page.goto(`http://127.0.0.1:${server.port}${url}`);
    await page.locator('tr[data-job]').first().waitFor({ timeout: 60_000 });
    await page.locator(`[data-lane="running"] [data-job="${big}"]`).waitFor({ timeout: 60_000 });
    const boardMs = performance.now() - started;

    // Each job's first appearance in the page, and its `created` event's arrival on a bare EventSource.
    await page.evaluate(() => {
      window.seen = {};
      window.arrived = {};
      new MutationObserver(() => {
        for (const element of document.querySelectorAll('[data-job]')) if (!(element.dataset.job in window.seen)) window.seen[element.dataset.job] = Date.now();
      }).observe(document.body, { childList: true, subtree: true });
      const source = new EventSource('/api/events');
      source.addEventListener('job', (message) => {
        const { jobId, event } = JSON.parse(message.data);
        if (event.type === 'created' && !(jobId in window.arrived)) window.arrived[jobId] = Date.now();
      });
    });
    const rendered = [];
    const transported = [];
    // A card not in the page 30 s after its event is a miss (counted, and the run goes on). The
    // bare EventSource may miss an event for good: cut off behind a burst of the big job's events,
    // it reconnects past the events the server still holds (it gets `reset`; the dashboard reloads
    // then, the bare listener does not).
    let renderMisses = 0;
    let streamMisses = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const { job } = await server.api('POST', '/api/jobs', { prompt: `echo sample ${i}`, agent: 'sh', mode: 'background' });
      const isSeen = await page.waitForFunction((id) => id in window.seen, job.id, { timeout: 30_000, polling: 'raf' }).then(() => true, () => false);
      if (!isSeen) {
        renderMisses++;
        continue;
      }
      await page.waitForFunction((id) => id in window.arrived, job.id, { timeout: 2000, polling: 'raf' }).catch(() => {});
      const { seen, arrived } = await page.evaluate((id) => ({ seen: window.seen[id], arrived: window.arrived[id] }), job.id);
      rendered.push(seen - Date.parse(job.createdAt));
      if (arrived === undefined) streamMisses++;
      else transported.push(arrived - Date.parse(job.createdAt));
    }

    // The running job of 10,000 tasks: its page, then its next page of tasks.
    started = performance.now();
    await page.evaluate((id) => { location.hash = `#/jobs/${id}`; }, big);
    await page.locator('[aria-label="Tasks"] button').nth(99).waitFor({ timeout: 60_000 });
    const jobPageMs = performance.now() - started;
    started = performance.now();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(/^Tasks 101–200 of/).waitFor({ timeout: 60_000 });
    const taskPageMs = performance.now() - started;
    await server.api('POST', `/api/jobs/${big}/cancel`, {});
    return {
      boardMs, jobPageMs, taskPageMs,
      renderP50: percentile(rendered, 50), renderP99: percentile(rendered, 99),
      streamP50: percentile(transported, 50), streamP99: percentile(transported, 99),
      renderRatio: percentile(rendered, 50) / Math.max(1, percentile(transported, 50)),
      renderMisses, streamMisses,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

// `node bench/dashboard.mjs`: this section alone, once.
if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureDashboard());
