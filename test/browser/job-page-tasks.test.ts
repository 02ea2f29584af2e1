// The job page of a job of 120 tasks, 5 of them failed, in a real headless Chromium against a
// real `jobline serve`: the failed tasks come first, a status filter and a search narrow the list
// and say what they hide, the selected run's output opens in view under its task (also for the
// 100th row), no column overlaps another at 1,400 px or at a phone's width (bounding boxes), and
// the phase that completed with failed tasks is neither green nor called a plain success.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const FAILING = [5, 40, 77, 101, 118];
const LINES = Array.from({ length: 120 }, (_, index) => `echo "line ${index + 1} says hello"${FAILING.includes(index + 1) ? `; exit ${index + 1}` : ''}`);

let browser: Browser;
let server: TestServer;
let id: string;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startServer({});
  const { body } = await server.api('POST', '/api/jobs', { prompt: 'a batch of 120', agent: 'sh', mode: 'background', workers: 3, inputs: LINES });
  id = body.job.id;
  await waitFor(async () => (await server.api('GET', `/api/jobs/${id}`)).body.job.status === 'failed', 'the batch to end failed', 30_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openJob(viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport, colorScheme: 'light' });
  page.setDefaultTimeout(10_000);
  const { body } = await server.api('POST', '/api/login-links', {});
  await page.goto(`http://127.0.0.1:${server.port}${body.url}`);
  await page.getByText('Live', { exact: true }).waitFor();
  await page.goto(`http://127.0.0.1:${server.port}/#/jobs/${id}`);
  await page.locator('.task-list li').first().waitFor();
  return page;
}

type Box = { x: number; y: number; width: number; height: number };

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator} is not shown`);
  return box;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// Columns side by side never overlap, and nothing in the tasks' column reaches out of it.
async function expectNoOverlap(page: Page): Promise<void> {
  const phases = await boxOf(page.locator('.tree-phases'));
  const tasks = await boxOf(page.locator('.tree-tasks'));
  expect(overlaps(phases, tasks)).toBe(false);
  const inside = await page.evaluate<number>(`(() => {
    const column = document.querySelector('.tree-tasks').getBoundingClientRect();
    return [...document.querySelectorAll('.tree-tasks button, .tree-tasks pre, .tree-tasks input, .tree-tasks select')].filter((element) => {
      const box = element.getBoundingClientRect();
      return box.width > 0 && (box.left < column.left - 0.5 || box.right > column.right + 0.5);
    }).length;
  })()`);
  expect(inside).toBe(0);
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(page.viewportSize()!.width);
}

// In view: below the page's sticky top bar, and its first lines above the bottom of the window.
async function expectInView(page: Page, locator: Locator): Promise<void> {
  const box = await boxOf(locator);
  const { height } = page.viewportSize()!;
  const top = await boxOf(page.locator('.top'));
  expect(box.y).toBeGreaterThanOrEqual(top.y + top.height);
  expect(box.y + Math.min(box.height, 40)).toBeLessThanOrEqual(height);
}

describe('the job page of a job of 120 tasks', () => {
  it('lists the failed tasks first, filters and searches them, and opens the selected run\'s output in view, at 1,400 px', async () => {
    const page = await openJob({ width: 1400, height: 900 });
    const firstRows = await page.locator('.task-list > li').evaluateAll((items) => items.slice(0, 6).map((item) => item.getAttribute('data-task')));
    expect(firstRows).toEqual(['t5', 't40', 't77', 't101', 't118', 't1']);
    await page.getByText('Tasks 1–100 of 120, running and failed first.').waitFor();

    // The phase completed with failed tasks: its words say so, and its colour is not the success green.
    const phase = page.locator('.tree-phases button[data-phase="0"]');
    expect(await phase.getAttribute('data-tone')).toBe('completed-failed');
    await phase.getByText('completed with failed tasks · 5 failed · 115/120 done').waitFor();
    const green = await page.evaluate<string>("getComputedStyle(document.querySelector('.badge-completed') ?? document.body).color");
    const colours = await page.evaluate<string[]>(`[document.querySelector('.tree-phases .dot'), document.querySelector('.stepper .step')].map((element) => getComputedStyle(element).backgroundColor)`);
    const good = await page.evaluate<string>(`(() => { const probe = document.createElement('span'); probe.style.color = 'var(--good)'; document.body.append(probe); const colour = getComputedStyle(probe).color; probe.remove(); return colour; })()`);
    expect(colours.every((colour) => colour !== good && colour !== green)).toBe(true);

    // Selecting a failed task: its output opens under it, in view.
    await page.locator('.task-list > li[data-task="t77"] > button').click();
    const output = page.locator('li[data-task="t77"] .output pre');
    await output.getByText('line 77 says hello').waitFor();
    await expectInView(page, output);
    await expectNoOverlap(page);
    await saveScreenshot(page, 'job-page-120-tasks-1400');

    // The 100th row of the page: its output opens in view too, without scrolling by hand.
    await page.evaluate('window.scrollTo(0, 0)');
    const last = page.locator('.task-list > li').nth(99);
    const lastId = await last.getAttribute('data-task');
    await last.locator(':scope > button').click();
    const lastOutput = page.locator(`li[data-task="${lastId}"] .output pre`);
    await lastOutput.getByText(/says hello/).waitFor();
    await expectInView(page, lastOutput);

    // The status filter: only the failed, saying how many it hides and how to see them.
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('5 tasks, running and failed first; 115 hidden by the filter.').waitFor();
    expect(await page.locator('.task-list > li').count()).toBe(5);
    await page.getByRole('button', { name: 'Show all' }).click();
    await page.getByText('Tasks 1–100 of 120').waitFor();
    // The search: a task by the words of its command.
    await page.getByLabel('Search tasks').fill('line 101 says');
    await page.getByText('1 task, running and failed first; 119 hidden by the filter.').waitFor();
    expect(await page.locator('.task-list > li').evaluateAll((items) => items.map((item) => item.getAttribute('data-task')))).toEqual(['t101']);
    await page.close();
  }, 60_000);

  it('has no overlapping columns at a phone\'s width, and the output opens under its task', async () => {
    const page = await openJob({ width: 390, height: 844 });
    await page.locator('.task-list > li[data-task="t40"] > button').click();
    const output = page.locator('li[data-task="t40"] .output pre');
    await output.getByText('line 40 says hello').waitFor();
    await expectInView(page, output);
    await expectNoOverlap(page);
    // At a phone's width the columns stack: the tasks come under the phases.
    const phases = await boxOf(page.locator('.tree-phases'));
    const tasks = await boxOf(page.locator('.tree-tasks'));
    expect(tasks.y).toBeGreaterThanOrEqual(phases.y + phases.height);
    await saveScreenshot(page, 'job-page-120-tasks-phone');
    await page.close();
  }, 60_000);
});
