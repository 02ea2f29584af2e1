// Attaching to `jobline serve` in a real pseudo-terminal: a REPL starts three jobs on the server
// and quits; the jobs keep running; a new REPL shows them and approves their next phase.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PtySession, makeReplWorkspace } from '../helpers/pty.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

describe('a REPL attached to jobline serve', () => {
  it('leaves its jobs running when it quits, and a new REPL shows them and approves their next phase', async () => {
    const workspace = makeReplWorkspace();
    const gate = join(workspace.cwd, 'gate');
    const server = await startServer({
      defaultAgent: 'gated',
      agents: { gated: { type: 'command', phases: [{ name: 'plan', run: `while [ ! -f ${gate} ]; do sleep 0.05; done; echo "planned $JOB_PROMPT"` }, { name: 'apply', run: 'echo "applied $JOB_PROMPT"' }] } },
    }, { cwd: workspace.cwd, jobsDir: workspace.jobsDir });
    try {
      const first = new PtySession(workspace);
      await first.waitForText(`attached to jobline serve (pid ${server.child.pid})`);
      const ids: string[] = [];
      for (const prompt of ['one', 'two', 'three']) {
        first.send(prompt);
        ids.push(await first.startedJob('gated', ids));
      }
      first.send('/quit');
      await first.waitForText(`3 job(s) in jobline serve (pid ${server.child.pid}): 3 running (${ids.map((id) => id.slice(0, 8)).join(', ')}); they carry on there`);
      expect((await first.exited).exitCode).toBe(0);
      for (const id of ids) expect((await server.api('GET', `/api/jobs/${id}`)).body.job.status).toBe('running');

      writeFileSync(gate, '');
      const isAwaiting = async (): Promise<boolean> => {
        const { body } = await server.api('GET', '/api/jobs?status=awaiting_approval');
        return ids.every((id) => body.jobs.some((job: { id: string }) => job.id === id));
      };
      await waitFor(isAwaiting, 'the three jobs to wait for approval');

      const second = new PtySession(workspace);
      await second.waitForText(/3 job\(s\) in jobline serve \(pid \d+\): 3 awaiting approval/);
      for (const id of ids) {
        await second.waitForText(new RegExp(`\\? ${id}: what next\\?`));
        await second.waitForAnswers();
        second.type('c');
        await second.waitForText(new RegExp(`✔ ${id}: what next\\? · continue`));
      }
      for (const id of ids) await second.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
      const { body } = await server.api('GET', '/api/jobs?status=completed');
      expect(ids.every((id) => body.jobs.some((job: { id: string }) => job.id === id))).toBe(true);
      expect(await second.text()).toContain('applied two');
      second.send('/quit');
      expect((await second.exited).exitCode).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
