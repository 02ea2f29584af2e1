// Logging the dashboard in and out in a real headless Chromium against a real `jobline serve`: a
// one-time link leaves the folder's browser key in the dashboard origin's storage (no cookie) and
// the code out of the address bar; a used link says why it does not work; Log out, or the key
// file deleted, ends every browser's access, and their pages say so by themselves.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

let browser: Browser;
let server: TestServer;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startServer();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.stop();
});

// A page of a browser of its own (its own storage) that opened `url`.
async function openPage(url: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(url);
  return page;
}

async function mintLink(): Promise<string> {
  return `http://127.0.0.1:${server.port}${(await server.api('POST', '/api/login-links', {})).body.url}`;
}

describe('logging the dashboard in', () => {
  it('keeps the key in the page\'s own storage, sets no cookie, takes the code out of the address bar, and says why a used link fails', async () => {
    const link = await mintLink();
    const page = await openPage(link);
    await page.getByText('Live', { exact: true }).waitFor();
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/#/`);
    expect(await page.evaluate<number>('history.length')).toBeLessThanOrEqual(2);
    const stored = await page.evaluate<Record<string, string>>('({ ...localStorage })');
    expect(Object.values(stored)).toHaveLength(1);
    expect((await server.api('GET', '/api/board', undefined, { token: Object.values(stored)[0] })).status).toBe(200);
    expect(await page.context().cookies()).toEqual([]);

    const late = await openPage(link);
    await late.getByRole('heading', { name: 'Log in' }).waitFor();
    await late.getByRole('alert').getByText('This login link was used already').waitFor();
    await saveScreenshot(late, 'login-link-used');
  });
});

describe('logging out', () => {
  it('ends every browser\'s access: the page that logs out, and another one, which finds out by itself', async () => {
    const first = await openPage(await mintLink());
    const second = await openPage(await mintLink());
    for (const page of [first, second]) await page.getByText('Live', { exact: true }).waitFor();
    const key = Object.values(await first.evaluate<Record<string, string>>('({ ...localStorage })'))[0]!;
    await first.getByRole('button', { name: 'Log out' }).click();
    await first.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await first.evaluate<number>('localStorage.length')).toBe(0);
    // The other page's event stream is cut, and reopening it is refused: it says it is logged out.
    await second.getByText('Not logged in', { exact: true }).waitFor();
    expect((await server.api('GET', '/api/board', undefined, { token: key })).status).toBe(401);
  });

  it('happens to every browser when the key file is deleted', async () => {
    const page = await openPage(await mintLink());
    await page.getByText('Live', { exact: true }).waitFor();
    rmSync(join(server.jobsDir, 'browser-key'));
    await page.getByText('Not logged in', { exact: true }).waitFor();
    // A new link logs in again, with the new key.
    const again = await openPage(await mintLink());
    await again.getByText('Live', { exact: true }).waitFor();
  });
});
