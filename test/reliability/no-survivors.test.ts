// Nothing a job started keeps running after jobline is done with it: for every way a job's
// processes can try to get away (background, nohup, double fork, a new session, a new process
// group, ignoring SIGTERM) and every way a job or jobline can end (cancel, /quit, SIGTERM,
// SIGQUIT, kill -9 of jobline), no process of the job is alive 2 s later.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectContainment } from '../../src/jobs/process/process-containment.js';
import { runCli, startPipedRepl } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { findProcesses, waitFor } from '../helpers/wait.js';
import { recordResult } from './scale.js';

// Each variant leaves one process trying to escape and keeps the phase running with a second.
const ESCAPES: Record<string, (sleep: string) => string> = {
  plain: (sleep) => `${sleep}`,
  background: (sleep) => `${sleep} & ${sleep}`,
  nohup: (sleep) => `nohup ${sleep} >/dev/null 2>&1 & ${sleep}`,
  'double fork': (sleep) => `( ${sleep} & ) ; ${sleep}`,
  setsid: (sleep) => `setsid ${sleep} & ${sleep}`,
  setpgid: (sleep) => `python3 -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' ${sleep} & ${sleep}`,
  'ignores SIGTERM': (sleep) => `sh -c 'trap "" TERM; ${sleep} & ${sleep}'`,
};
const ENDINGS = ['cancel', '/quit', 'SIGTERM', 'SIGQUIT', 'kill -9'] as const;

describe('no process outlives its job', () => {
  it(`${Object.keys(ESCAPES).length} escapes × ${ENDINGS.length} endings: 0 survivors`, async () => {
    expect(detectContainment().kind).toBe('pid-namespace'); // this machine supports it; CI too
    const failures: string[] = [];
    let cases = 0;
    for (const [escape, command] of Object.entries(ESCAPES)) {
      for (const ending of ENDINGS) {
        cases++;
        const cwd = makeTempDir('jobline-escape-');
        writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ cancelGraceMs: 500 }));
        const marker = `sleep 47.${process.pid}${cases}`;
        const repl = startPipedRepl(cwd, { JOBLINE_JOBS_DIR: join(cwd, 'jobs') });
        repl.send(command(marker));
        const id = /Started (job-\w{8})/.exec(await repl.until(/Started job-\w{8}/))![1]!;
        const expected = escape === 'plain' ? 1 : 2;
        await waitFor(() => findProcesses(marker).length >= expected, `${escape}: its processes to start`);
        if (ending === 'cancel') {
          repl.send(`/cancel ${id}`);
          await repl.until(/Cancelled|🚫/);
        } else if (ending === '/quit') {
          repl.send('/quit');
          await repl.end();
        } else if (ending === 'kill -9') {
          repl.child.kill('SIGKILL');
          await repl.end();
        } else {
          repl.child.kill(ending);
          await repl.end();
        }
        const survivors = await waitFor(() => findProcesses(marker).length === 0, 'no survivors', 2000).then(() => [], () => findProcesses(marker));
        for (const pid of survivors) process.kill(pid, 'SIGKILL');
        if (survivors.length > 0) failures.push(`${escape} × ${ending}: ${survivors.length} survivor(s)`);
        if (ending === 'cancel') await repl.end();
      }
    }
    recordResult('noSurvivors', { cases, failures: failures.length, examples: failures.slice(0, 10) });
    expect(failures).toEqual([]);
  }, 240_000);

  it.each([
    ['in its PID namespace', {}],
    ['with process groups only (where namespaces are refused)', { JOBLINE_CONTAINMENT: 'process-group:disabled by the test' }],
  ])('a background child of a phase that ended does not outlive it, %s', async (_name, extraEnv) => {
    const cwd = makeTempDir('jobline-escape-');
    const marker = `sleep 48.${process.pid}${Object.keys(extraEnv).length}`;
    const { code, stderr } = await runCli(['run', '-y', `${marker} & echo started`], { cwd, env: { JOBLINE_JOBS_DIR: join(cwd, 'jobs'), ...extraEnv } });
    expect(code).toBe(0);
    if ('JOBLINE_CONTAINMENT' in extraEnv) expect(stderr).toContain('job processes are contained by process group only (disabled by the test)');
    const survivors = await waitFor(() => findProcesses(marker).length === 0, 'no survivors', 2000).then(() => [], () => findProcesses(marker));
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(survivors).toEqual([]);
  });
});
