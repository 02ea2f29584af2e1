// The board's Needs you lane in a real headless Chromium against a real `jobline serve`:
// approvals first, then interrupted jobs, then failures, newest first within each; a failed or
// interrupted job dismissed from the lane goes on under Finished (recorded in the job, nothing
// deleted); a card's time leaves out the wait for approval; a phase's diff is coloured.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createJob, type Job } from '../../src/jobs/model/job.js';
import { JobStore } from '../../src/store/job-store.js';
import { launchBrowser, saveScreenshot } from '../helpers/browser.js';
import { deadOwner } from '../helpers/jobs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const CONFIG = {
  agents: {
    two: { type: 'command', phases: [{ name: 'plan', run: 'echo "planned $JOB_PROMPT"' }, { name: 'build', run: 'echo built' }] },
    edit: { type: 'command', phases: [{ name: 'change', run: 'printf "a new line\\n" >> notes.txt; sed -i "s/old/changed/" base.txt' }, { name: 'check', run: 'true' }] },
  },
};

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

// A job file as an earlier jobline left it, written before the server starts (its index is then built from the files).
function leave(jobsDir: string, id: string, change: (job: Job) => Job): void {
  const store = JobStore.open(jobsDir);
  mkdirSync(store.pathsOf(id).dir, { recursive: true });
  const job = createJob({ id, agent: 'two', description: `left ${id}`, mode: 'background', phaseNames: ['plan', 'build'], owner: deadOwner(), now: ago(3600_000) });
  store.writeSync(change(job));
}

async function openBoard(server: TestServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  page.setDefaultTimeout(10_000);
  const { body } = await server.api('POST', '/api/login-links', {});
  await page.goto(`http://127.0.0.1:${server.port}${body.url}`);
  await page.getByText('Live', { exact: true }).waitFor();
  return page;
}

async function statusOf(server: TestServer, id: string): Promise<string> {
  return (await server.api('GET', `/api/jobs/${id}`)).body.job.status;
}

describe('the board\'s Needs you', () => {
  it('orders approvals, interrupted, failures (newest first), dismisses a failed or interrupted job to Finished, and times cards without the approval wait', async () => {
    const cwd = makeTempDir('jobline-board-');
    const jobsDir = join(cwd, 'jobs');
    // Interrupted by a jobline that died: E earlier, F later.
    for (const [id, at] of [['job-intrpt0e', 30], ['job-intrpt0f', 20]] as const) {
      leave(jobsDir, id, (job) => ({ ...job, status: 'running', startedAt: ago(at * 60_000), phases: [{ ...job.phases[0]!, status: 'running', attempts: 1, startedAt: ago(at * 60_000) }, job.phases[1]!] }));
    }
    // Failed 2 minutes ago after 2 s of planning, 8 minutes waiting for approval, 3 s of building: it ran 5 s.
    leave(jobsDir, 'job-failed0w', (job) => ({
      ...job, status: 'failed', startedAt: ago(600_000), endedAt: ago(120_000), error: 'Phase build failed: exit 1', currentPhase: 1,
      phases: [{ ...job.phases[0]!, status: 'completed', attempts: 1, startedAt: ago(600_000), endedAt: ago(598_000) }, { ...job.phases[1]!, status: 'failed', attempts: 1, startedAt: ago(123_000), endedAt: ago(120_000), error: 'exit 1' }],
    }));
    const server = await startServer(CONFIG, { cwd, jobsDir });
    try {
      const submit = async (body: object): Promise<string> => (await server.api('POST', '/api/jobs', body)).body.job.id;
      const approvalA = await submit({ prompt: 'first approval', agent: 'two', mode: 'interactive' });
      await waitFor(async () => (await statusOf(server, approvalA)) === 'awaiting_approval', 'A to wait');
      const approvalB = await submit({ prompt: 'second approval', agent: 'two', mode: 'interactive' });
      await waitFor(async () => (await statusOf(server, approvalB)) === 'awaiting_approval', 'B to wait');
      const failedC = await submit({ prompt: 'exit 3', agent: 'sh', mode: 'background' });
      await waitFor(async () => (await statusOf(server, failedC)) === 'failed', 'C to fail');
      const failedD = await submit({ prompt: 'exit 4', agent: 'sh', mode: 'background' });
      await waitFor(async () => (await statusOf(server, failedD)) === 'failed', 'D to fail');

      const page = await openBoard(server);
      const needs = page.locator('[data-lane="needs"] [data-job]');
      const order = [approvalB, approvalA, 'job-intrpt0f', 'job-intrpt0e', failedD, failedC, 'job-failed0w'];
      await waitFor(async () => (await needs.count()) === order.length, 'every card in Needs you');
      expect(await needs.evaluateAll((cards) => cards.map((card) => card.getAttribute('data-job')))).toEqual(order);
      // Its time is what its phases ran: 5 s, not the 8 minutes it waited for approval.
      await page.locator('[data-job="job-failed0w"] .meta', { hasText: '5.0s' }).waitFor();
      // Approvals have no Dismiss (they wait on an answer); failures and interruptions do.
      expect(await page.locator(`[data-job="${approvalA}"] button.dismiss`).count()).toBe(0);
      await saveScreenshot(page, 'board-needs-you');

      // Dismissed: out of Needs you, under Finished, recorded in the job, nothing deleted.
      for (const id of [failedD, 'job-intrpt0e']) {
        await page.locator(`[data-lane="needs"] [data-job="${id}"] button.dismiss`).click();
        await page.locator(`tr[data-job="${id}"]`).waitFor();
        expect(await page.locator(`[data-lane="needs"] [data-job="${id}"]`).count()).toBe(0);
        const { status, body } = await server.api('GET', `/api/jobs/${id}`);
        expect(status).toBe(200);
        expect(body.job.dismissedAt).toEqual(expect.any(String));
      }
      expect(await needs.evaluateAll((cards) => cards.map((card) => card.getAttribute('data-job')))).toEqual([approvalB, approvalA, 'job-intrpt0f', failedC, 'job-failed0w']);
      // Still there after a reload: it was recorded, not just hidden.
      await page.reload();
      await page.getByText('Live', { exact: true }).waitFor();
      await page.locator(`tr[data-job="${failedD}"]`).waitFor();
      expect(await page.locator(`[data-lane="needs"] [data-job="${failedD}"]`).count()).toBe(0);
      await page.close();
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('colours a phase\'s diff in the approval view: added, removed and hunk lines', async () => {
    const cwd = makeTempDir('jobline-diff-');
    execFileSync('git', ['init', '-q'], { cwd });
    writeFileSync(join(cwd, 'base.txt'), 'keep\nold\n');
    const server = await startServer(CONFIG, { cwd, jobsDir: join(makeTempDir(), 'jobs') });
    try {
      const id = (await server.api('POST', '/api/jobs', { prompt: 'change it', agent: 'edit', mode: 'interactive' })).body.job.id;
      await waitFor(async () => (await statusOf(server, id)) === 'awaiting_approval', 'the phase to wait');
      const page = await openBoard(server);
      await page.goto(`http://127.0.0.1:${server.port}/#/jobs/${id}`);
      await page.getByText('Diff', { exact: true }).click();
      const added = page.locator('.diff-add', { hasText: '+a new line' });
      await added.waitFor();
      const removed = page.locator('.diff-del', { hasText: '-old' });
      const hunk = page.locator('.diff-hunk').first();
      expect(await page.locator('.diff-text').textContent()).toContain(' keep\n-old\n+changed\n');
      expect(await hunk.textContent()).toMatch(/^@@ /);
      const colourOf = (locator: typeof added): Promise<string> => locator.evaluate((element) => (globalThis as unknown as { getComputedStyle(element: unknown): { color: string } }).getComputedStyle(element).color);
      const context = page.locator('.diff-context', { hasText: 'keep' });
      const colours = await Promise.all([colourOf(added), colourOf(removed), colourOf(hunk), colourOf(context)]);
      expect(new Set(colours).size).toBe(4);
      await saveScreenshot(page, 'approval-diff-coloured');
      await page.close();
    } finally {
      await server.stop();
    }
  }, 60_000);
});
