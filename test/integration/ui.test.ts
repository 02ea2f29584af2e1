// `jobline ui`: starts a server in the background when none runs (and leaves it running), makes a
// running server listen on HTTP when it does not, and prints a one-time link that logs a browser in.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { isProcessAlive, waitFor } from '../helpers/wait.js';
import { findServer } from '../../src/store/server-presence.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
});

function project() {
  const cwd = makeTempDir('jobline-ui-');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ jobsDir: 'jobs' }));
  return { cwd, jobsDir: join(cwd, 'jobs') };
}

// Follows `link` as a browser would: it lands on the page with the code in the fragment (no
// cookie), and the page trades the code for the browser key, which it sends as a header.
async function logIn(link: string): Promise<string> {
  const response = await fetch(link, { redirect: 'manual' });
  expect(response.status).toBe(303);
  expect(response.headers.get('set-cookie')).toBeNull();
  const code = /^\/#login=([0-9a-f]{64})$/.exec(response.headers.get('location')!)![1]!;
  const origin = new URL(link).origin;
  const traded = await fetch(`${origin}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ code }) });
  expect(traded.status).toBe(200);
  return ((await traded.json()) as { key: string }).key;
}

describe('jobline ui', () => {
  it('starts a server that outlives it, and prints a link that logs a browser in once', async () => {
    const { cwd, jobsDir } = project();
    const ui = await runCli(['ui', '--no-open', '--port', '0'], { cwd });
    expect(ui.code).toBe(0);
    const pid = Number(/Started jobline serve \(pid (\d+)\)/.exec(ui.stdout)![1]);
    started.push(pid);
    const link = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/login\/[0-9a-f]+)/.exec(ui.stdout)![1]!;
    expect(isProcessAlive(pid)).toBe(true);
    const key = await logIn(link);
    const origin = new URL(link).origin;
    expect((await fetch(`${origin}/api/board`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${origin}/api/board`)).status).toBe(401);
    await expect(logIn(link)).rejects.toThrow(); // once only
    const page = await fetch(`${origin}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('/assets/app.js');
    // A second ui finds the same server.
    const again = await runCli(['ui', '--no-open'], { cwd });
    expect(again.stdout).toContain(`jobline serve (pid ${pid}) runs on ${jobsDir}`);
  });

  it('makes a server that listens on its socket only listen on HTTP too', async () => {
    const { cwd, jobsDir } = project();
    const { child } = startCli(['serve'], { cwd, keepStdinOpen: true });
    started.push(child.pid!);
    await waitFor(() => findServer(jobsDir), 'the server to start');
    expect(findServer(jobsDir)!.info.port).toBeNull();
    const ui = await runCli(['ui', '--no-open', '--port', '0'], { cwd });
    const link = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/login\/[0-9a-f]+)/.exec(ui.stdout)![1]!;
    expect(findServer(jobsDir)!.info.port).toBe(Number(new URL(link).port));
    await logIn(link);
  });
});
