// The dashboard's Workers panel in a real headless Chromium against a real `jobline serve` whose
// runs go through a queue (BullMQ on a real redis-server) to a real `jobline worker`: the worker
// shows with its labels and the run it holds, and the queue's counts; without a queue, no panel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../helpers/browser.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startWorker, type TestWorker } from '../helpers/queue.js';
import { startServer, type TestServer } from '../helpers/server.js';

let browser: Browser;
let redis: TestRedis;
let worker: TestWorker;

beforeAll(async () => {
  browser = await launchBrowser();
  redis = await startRedis();
  worker = await startWorker(redis.url, { name: 'panel-box', concurrency: 2, labels: ['gpu'] });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await redis?.stop(true);
});

async function openDashboard(server: TestServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const { body } = await server.api('POST', '/api/login-links', {});
  await page.goto(`http://127.0.0.1:${server.port}${body.url}`);
  await page.getByText('Live', { exact: true }).waitFor();
  return page;
}

describe('the Workers panel', () => {
  it('lists the queue\'s workers with their labels and runs, and the counts', async () => {
    const server = await startServer({ queue: { url: redis.url } });
    try {
      const page = await openDashboard(server);
      const submitted = await server.api('POST', '/api/jobs', { prompt: 'sleep 20', agent: 'sh', mode: 'background' });
      expect(submitted.status).toBe(201);
      const row = page.locator('[data-panel="workers"] tr[data-worker="panel-box"]');
      await row.getByText('1/2').waitFor();
      expect(await row.textContent()).toContain('gpu');
      expect(await page.locator('[data-panel="workers"] h2').textContent()).toMatch(/0 waiting · 1 active · 0 delayed · \d+ failed/);
      // The Running lane counts runs on workers, with no cap of this machine's threads.
      expect(await page.locator('[data-lane="running"] .lane-detail').textContent()).toBe('1 of 3 slots · 1 run on workers');
      await saveScreenshot(page, 'workers-panel');
      await server.api('POST', `/api/jobs/${submitted.body.job?.id ?? submitted.body.id}/cancel`, {});
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('is not there without a queue', async () => {
    const server = await startServer({});
    try {
      const page = await openDashboard(server);
      await page.getByText('Running', { exact: false }).first().waitFor();
      expect(await page.locator('[data-panel="workers"]').count()).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
