// The dashboard and jobs in worktrees, in a real headless Chromium against a real `jobline serve`
// on a real repository: a job's page shows its branch, its base and its diff; Merge lands it; a
// second job on the same line shows its conflict, naming the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../helpers/browser.js';
import { gitEnv, makeGitProject } from '../helpers/git.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const CONFIG = { agents: { edit: { type: 'command', isolation: 'worktree', phases: [{ name: 'edit', run: 'printf "%s\\n" "$JOB_PROMPT" > a.txt' }] } } };

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function submit(server: TestServer, cwd: string, prompt: string): Promise<string> {
  const { body } = await server.api('POST', '/api/jobs', { prompt, agent: 'edit', mode: 'background', cwd });
  const id = body.job.id as string;
  await waitFor(async () => (await server.api('GET', `/api/jobs/${id}`)).body.job.merge?.status === 'ready', `${id}'s work to be ready`);
  return id;
}

describe('the dashboard with jobs in worktrees', () => {
  it('shows a job\'s branch, base and diff, lands it with Merge, and shows the next one\'s conflict', async () => {
    const project = makeGitProject({ 'a.txt': 'line\n' }, CONFIG);
    Object.assign(process.env, gitEnv(project.home));
    const server = await startServer(CONFIG, { cwd: project.cwd, jobsDir: project.jobsDir });
    try {
      const red = await submit(server, project.cwd, 'red');
      const blue = await submit(server, project.cwd, 'blue');
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      page.setDefaultTimeout(10_000);
      const { body } = await server.api('POST', '/api/login-links', {});
      await page.goto(`http://127.0.0.1:${server.port}${body.url}`);
      await page.getByText('Live', { exact: true }).waitFor();
      await page.locator(`[data-job="${red}"] .merge`).getByText('ready').waitFor();
      await page.goto(`http://127.0.0.1:${server.port}/#/jobs/${red}`);
      const panel = page.locator('section.worktree');
      await panel.getByText(/jobline\/[\w-]+/).waitFor();
      await panel.getByText(`${project.git(['rev-parse', 'HEAD']).trim().slice(0, 12)} (main)`).waitFor();
      await panel.locator('pre').getByText('+red').waitFor();
      await saveScreenshot(page, 'job-page-worktree');
      await panel.getByRole('button', { name: 'Merge' }).click();
      await panel.locator('[data-merge-status="landed"]').waitFor();
      expect(project.git(['show', 'main:a.txt'])).toBe('red\n');

      await page.goto(`http://127.0.0.1:${server.port}/#/jobs/${blue}`);
      await page.locator('section.worktree').getByRole('button', { name: 'Merge' }).click();
      const conflict = page.locator('section.worktree .conflict');
      await conflict.getByText('Conflicts with main in:').waitFor();
      await conflict.locator('code').getByText('a.txt').waitFor();
      await saveScreenshot(page, 'job-page-conflict');
      expect(project.git(['show', 'main:a.txt'])).toBe('red\n');
      await page.close();
    } finally {
      await server.stop();
    }
  });
});
