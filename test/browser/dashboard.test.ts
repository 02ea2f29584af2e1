// The web dashboard in a real headless Chromium against a real `jobline serve`, with a REPL
// attached in a pseudo-terminal: a job typed at the REPL appears on the board; the browser
// approves, retries with feedback, cancels and deletes, and the REPL hears of each; the page
// reconnects by itself when the server restarts. Screenshots are saved for a person to look at.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot, SCREENSHOT_DIR } from '../helpers/browser.js';
import { PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const CONFIG = {
  defaultAgent: 'two',
  agents: {
    two: { type: 'command', phases: [{ name: 'plan', run: 'echo "planned $JOB_PROMPT${JOB_FEEDBACK:+ with $JOB_FEEDBACK}"' }, { name: 'build', run: 'echo "built $JOB_PROMPT"' }] },
    slow: { type: 'command', phases: [{ name: 'wait', run: 'echo "waiting $JOB_PROMPT"; sleep 60' }] },
  },
  templates: { nap: { agent: 'slow', prompt: 'nap for {reason}', mode: 'background', description: 'a job that waits' } },
};

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  // The report names where the screenshots are.
  console.log(`dashboard screenshots: ${SCREENSHOT_DIR}`);
});

// Runs `steps` with a REPL in a pseudo-terminal on `workspace`, which then quits; a failure shows
// the REPL's screen.
async function withRepl(workspace: ReplWorkspace, steps: (repl: PtySession) => Promise<void>): Promise<void> {
  const repl = new PtySession(workspace, [], 120, 40);
  try {
    await steps(repl);
    repl.send('/quit');
    await repl.exited;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- REPL ---\n${await repl.text()}`);
  }
}

// A page logged in to `server` through a one-time link, as `jobline ui` gives one.
async function openDashboard(server: TestServer, options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
  page.setDefaultTimeout(10_000);
  const { body } = await server.api('POST', '/api/login-links', {});
  await page.goto(`http://127.0.0.1:${server.port}${body.url}`);
  await page.getByText('Live', { exact: true }).waitFor();
  return page;
}

describe('the web dashboard', () => {
  it('shows a job typed at the REPL, and approves, retries, cancels and deletes from the browser while the REPL hears of it', async () => {
    const workspace = makeReplWorkspace();
    const server = await startServer(CONFIG, { cwd: workspace.cwd, jobsDir: workspace.jobsDir });
    try {
      await withRepl(workspace, async (repl) => {
        await repl.waitForText('attached to jobline serve');
        const page = await openDashboard(server);

        repl.send('make the docs');
        const id = await repl.startedJob('two');
        const card = page.locator(`[data-lane="needs"] [data-job="${id}"]`);
        await card.waitFor();
        const { body: shown } = await server.api('GET', `/api/jobs/${id}`);
        await card.getByText(shown.job.name).waitFor();
        await card.getByText('phase 1 of 2').waitFor();
        await saveScreenshot(page, 'board');

        await card.getByRole('link').click();
        await page.getByRole('heading', { name: /waits for you/ }).waitFor();
        await page.getByText('planned make the docs').waitFor();
        await saveScreenshot(page, 'job-page-awaiting-approval');

        // Retry with feedback: the phase runs again with it.
        await page.getByRole('button', { name: 'Retry with feedback' }).click();
        await page.getByLabel('What should the agent do differently?').fill('more examples');
        await page.getByRole('button', { name: 'Retry plan' }).click();
        await repl.waitForText(/Phase 1\/2 plan started \(attempt 2\)/);
        await page.getByText('planned make the docs with more examples').waitFor();

        // Continue, while the REPL asks the same question: its question closes, saying why, and it
        // sees the next phase start and the job complete.
        await repl.waitForText(/took [^\n]* · attempt 2[\s\S]*what next\?/);
        await page.getByRole('button', { name: 'Continue' }).click();
        await repl.waitForText(`${id} was answered elsewhere`);
        await repl.waitForText(/Phase 2\/2 build started/);
        await repl.waitForText(new RegExp(`\\[${id.slice(0, 8)}\\] ✅ Completed`));
        await page.getByRole('heading', { name: 'Manifest' }).waitFor();
        await page.getByText('2 done, 0 failed', { exact: false }).first().waitFor();

        // The tree: a task of the build phase, its run, its output.
        await page.getByRole('button', { name: /2\. build/ }).click();
        await page.getByRole('button', { name: /t2 build/ }).click();
        await page.locator('.output pre', { hasText: 'built make the docs' }).waitFor();
        await saveScreenshot(page, 'job-page-completed');

        // A template's job from the Run dialog, cancelled from its page.
        await page.getByRole('button', { name: 'Run…' }).click();
        await page.getByLabel('reason').fill('the test');
        await page.getByRole('button', { name: 'Run', exact: true }).click();
        await page.getByText('nap for the test').waitFor();
        const napId = /#\/jobs\/(job-\w+)/.exec(page.url())![1]!;
        await page.getByRole('button', { name: 'Cancel job' }).click();
        // Not the REPL's job: it says in one line that it ended, and nothing of its run.
        await repl.waitForText(new RegExp(`\\[${napId.slice(0, 8)}\\] 🚫 Cancelled ${napId}`));
        expect(await repl.text()).not.toContain('waiting nap for the test');
        await page.locator('.badge', { hasText: 'Cancelled' }).waitFor();
        expect((await server.api('GET', `/api/jobs/${napId}`)).body.job.template).toEqual({ name: 'nap', values: { reason: 'the test' } });

        // Delete, after a confirmation that says what goes with it.
        await page.getByRole('button', { name: 'Delete…' }).click();
        await page.getByText('with its 1 task, their 1 run and all their output').waitFor();
        await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
        await page.locator('[data-lane="needs"]').waitFor();
        await waitFor(async () => (await server.api('GET', `/api/jobs/${napId}`)).status === 404, 'the job to be gone');
        await waitFor(async () => (await page.locator(`[data-job="${napId}"]`).count()) === 0, 'its card to go');
        expect(await page.locator(`tr[data-job="${id}"]`).count()).toBe(1);
        await page.close();
      });
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('shows and steers, live, the job of a REPL that runs beside the server (started before it)', async () => {
    const workspace = makeReplWorkspace();
    writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify(CONFIG));
    const servers: TestServer[] = [];
    try {
      await withRepl(workspace, async (repl) => {
        await repl.waitForText('Type a prompt');
        repl.send('beside the server');
        const id = await repl.startedJob('two');
        await repl.waitForText(`${id}: what next?`);
        const server = await startServer(CONFIG, { cwd: workspace.cwd, jobsDir: workspace.jobsDir });
        servers.push(server);
        const page = await openDashboard(server);
        await page.locator(`[data-lane="needs"] [data-job="${id}"] .card-link`).click();
        await page.getByRole('button', { name: 'Continue' }).click();
        // The REPL owns the job: it carries the decision out, and the page hears of it from its files.
        await repl.waitForText(`${id} was answered elsewhere`);
        await repl.waitForText(new RegExp(`\\[${id.slice(0, 8)}\\] ✅ Completed`));
        await page.locator('.job-head .badge', { hasText: 'Completed' }).waitFor();
        await page.getByRole('link', { name: '← Board' }).click();
        await page.locator(`tr[data-job="${id}"]`).waitFor();
        await page.close();
      });
    } finally {
      for (const server of servers) await server.stop();
    }
  }, 60_000);

  it('reconnects by itself when the server restarts, and shows what happened meanwhile', async () => {
    const first = await startServer(CONFIG);
    const page = await openDashboard(first);
    const port = first.port;
    const { body: before } = await first.api('POST', '/api/jobs', { prompt: 'before', agent: 'two', mode: 'background' });
    await page.locator(`[data-job="${before.job.id}"]`).first().waitFor();
    await first.stop();
    await page.getByText('Reconnecting…').waitFor();
    const second = await startServer(CONFIG, { cwd: first.cwd, jobsDir: first.jobsDir, port });
    try {
      await page.getByText('Live', { exact: true }).waitFor({ timeout: 20_000 });
      const { body: after } = await second.api('POST', '/api/jobs', { prompt: 'after the restart', agent: 'two', mode: 'background' });
      await page.locator(`[data-job="${after.job.id}"]`).first().waitFor();
      await page.locator(`[data-job="${before.job.id}"]`).first().waitFor();
      await page.close();
    } finally {
      await second.stop();
    }
  });

  it('fits a phone\'s width and a dark scheme, and is usable from the keyboard', async () => {
    const server = await startServer(CONFIG);
    try {
      for (const prompt of ['one', 'two', 'three']) await server.api('POST', '/api/jobs', { prompt, agent: 'slow', mode: 'background' });
      await server.api('POST', '/api/jobs', { prompt: 'waits', agent: 'two', mode: 'interactive' });
      const page = await openDashboard(server, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
      await page.locator('[data-lane="running"] [data-job]').nth(2).waitFor();
      // Nothing overflows sideways at 390px.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect(background).not.toBe('rgb(247, 247, 248)');
      await saveScreenshot(page, 'board-phone-dark');
      // Tab from the top reaches a card's link; Enter opens the job's page.
      await page.getByRole('link', { name: /job-/ }).first().waitFor();
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate<boolean>("document.activeElement?.classList.contains('card-link') ?? false")) break;
      }
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: '← Board' }).waitFor();
      await page.close();
    } finally {
      await server.stop();
    }
  });
});
