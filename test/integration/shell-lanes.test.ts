// Job shells run in shell lanes: long-lived contained shells, one command at a time. What a user
// could notice if a lane were wrong: bytes of a prompt or output changed, one command's leftovers
// or stdin reaching the next, a cancel or a killed lane losing more than its own command.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli, startCli } from '../helpers/cli.js';
import { runMultiByteJobs } from '../helpers/jobs.js';
import { LaneLauncher } from '../../src/jobs/process/lane-launcher.js';
import { signalProcessGroup } from '../../src/jobs/process/process-group.js';
import { detectContainment } from '../../src/jobs/process/process-containment.js';
import type { ShellLauncher, ShellRequest } from '../../src/jobs/process/shell-launcher.js';
import { makeTempDir } from '../helpers/temp.js';
import { findAncestorNamed, findProcesses, isProcessAlive, waitFor, waitForProcesses, waitForProcessesToExit } from '../helpers/wait.js';

interface Ran {
  pid: number | null;
  output: string;
  end: { exited: [number | null, string | null] } | { failed: [string | null, string] };
}

const refusingFallback: ShellLauncher = { spawnShell: (_request, listener) => listener.failed(null, 'sent to the fallback') };

// Runs `request` on `launcher`; `onOutput` sees the output so far as it grows.
function run(launcher: ShellLauncher, request: Partial<ShellRequest> & { command: string }, onOutput?: (output: string, pid: number) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const ran: Omit<Ran, 'end'> = { pid: null, output: '' };
    launcher.spawnShell({ cwd: makeTempDir(), env: {}, ...request }, {
      started: (pid) => (ran.pid = pid),
      output: (chunk) => {
        ran.output += Buffer.from(chunk).toString('utf8');
        onOutput?.(ran.output, ran.pid!);
      },
      exited: (code, signal) => resolve({ ...ran, end: { exited: [code, signal] } }),
      failed: (code, message) => resolve({ ...ran, end: { failed: [code, message] } }),
    });
  });
}

describe('shell lanes', () => {
  it('this machine contains job shells in PID namespaces, which lanes need (CI too)', () => {
    expect(detectContainment().kind).toBe('pid-namespace');
  });

  it('passes every byte of a variable and of a command through intact', async () => {
    const launcher = new LaneLauncher(refusingFallback);
    const samples = ["it's", 'a "quoted" $HOME `date` \\n \\', 'two\nlines\n\n', '-n', ' leading and trailing ', "'", "''\n'", 'ünïcødé ✓ 🚀', '$(touch pwned)', '; exit 7', ''];
    for (let i = 0; i < 20; i++) samples.push(Array.from({ length: 40 }, () => String.fromCharCode(1 + Math.floor(Math.random() * 126))).join(''));
    for (const value of samples) {
      const ran = await run(launcher, { command: 'printf %s "$VALUE"', env: { VALUE: value } });
      expect(ran, JSON.stringify(value)).toMatchObject({ output: value, end: { exited: [0, null] } });
      const literal = await run(launcher, { command: `printf %s '${value.replace(/'/g, `'\\''`)}'` });
      expect(literal.output, JSON.stringify(value)).toBe(value);
    }
    expect(launcher.idleLanes).toBe(1); // one lane ran them all, one after another
  });

  it('gives each command a shell of its own, with none of the lane\'s variables and nothing on stdin', async () => {
    const launcher = new LaneLauncher(refusingFallback);
    const first = await run(launcher, { command: 'echo $$; set | grep -c jobline_; cat; echo "read: $?"' });
    const second = await run(launcher, { command: 'echo $$' });
    const [pid, lines] = [first.output.split('\n')[0], first.output.split('\n').slice(1)];
    expect(lines).toEqual(['0', 'read: 0', '']);
    expect(second.output.trim()).not.toBe(pid);
    expect(second.pid).toBe(first.pid); // the same lane
    // The end mark is the lane's secret: on its stdin, on no process's command line.
    expect(findProcesses('jobline-end-')).toEqual([]);
    const killedItself = await run(launcher, { command: 'kill -TERM $$' });
    expect(killedItself).toMatchObject({ output: '', end: { exited: [null, 'SIGTERM'] } });
  });

  it('ends whatever a command left running before it reports the command ended', async () => {
    const launcher = new LaneLauncher(refusingFallback);
    const marker = `sleep 60.${process.pid}7`;
    const ran = await run(launcher, { command: `setsid ${marker} & trap '' TERM; (trap '' TERM; exec ${marker.replace('60', '61')}) & echo started` });
    expect(ran).toMatchObject({ output: 'started\n', end: { exited: [0, null] } });
    // SIGKILL is queued before the end is reported (a killed process runs no more of its own
    // code); its exit from the process table follows a moment later, so it is awaited.
    await waitFor(() => findProcesses(marker).length === 0 && findProcesses(marker.replace('60', '61')).length === 0, 'the leftovers to exit', 2000);
  });

  it('stops the running command on a SIGTERM to its group, and the lane runs the next one', async () => {
    const launcher = new LaneLauncher(refusingFallback);
    const ran = await run(launcher, { command: 'echo ready; sleep 30' }, (output, pid) => {
      if (output === 'ready\n') signalProcessGroup(pid, 'SIGTERM');
    });
    expect(ran.end).toEqual({ exited: [null, 'SIGTERM'] });
    const next = await run(launcher, { command: 'echo next' });
    expect(next).toMatchObject({ pid: ran.pid, output: 'next\n', end: { exited: [0, null] } });
  });

  it('fails only the running command when its lane is killed, and the next one gets a new lane', async () => {
    const launcher = new LaneLauncher(refusingFallback);
    const marker = `sleep 60.${process.pid}8`;
    const ran = await run(launcher, { command: `echo ready; ${marker}` }, (output, pid) => {
      if (output === 'ready\n') process.kill(-pid, 'SIGKILL');
    });
    expect(ran.end).toEqual({ exited: [null, 'SIGKILL'] });
    expect(await waitForProcessesToExit(findProcesses(marker))).toEqual([]);
    const next = await run(launcher, { command: 'echo next' });
    expect(next).toMatchObject({ output: 'next\n', end: { exited: [0, null] } });
    expect(next.pid).not.toBe(ran.pid);
  });

  it('closes a lane idle for longer than its idle time', async () => {
    const launcher = new LaneLauncher(refusingFallback, { ...process.env }, 50);
    const ran = await run(launcher, { command: 'true' });
    expect(isProcessAlive(ran.pid!)).toBe(true);
    await waitFor(() => !isProcessAlive(ran.pid!), 'the idle lane to exit', 2000);
    expect(launcher.idleLanes).toBe(0);
  });

  it('refuses what a spawn would have refused, saying why, and sends what a lane cannot take to its fallback', async () => {
    const launcher = new LaneLauncher(refusingFallback, { ...process.env, SECRET_FOR_LANE_TEST: 'hunter2' });
    expect((await run(launcher, { command: 'true', env: { JOB_PROMPT: 'x'.repeat(200 * 1024) } })).end).toEqual({ failed: ['E2BIG', '$JOB_PROMPT is longer than 128 KiB'] });
    expect((await run(launcher, { command: 'true', cwd: '/no/such/folder' })).end).toEqual({ failed: ['ENOENT', 'no such folder'] });
    expect((await run(launcher, { command: 'true', env: { 'NOT-A-NAME': '1' } })).end).toEqual({ failed: [null, 'sent to the fallback'] });
    expect((await run(launcher, { command: 'echo ${SECRET_FOR_LANE_TEST-removed}', removeEnv: ['SECRET_FOR_LANE_TEST'] })).output).toBe('removed\n');
    expect((await run(launcher, { command: 'echo $SECRET_FOR_LANE_TEST' })).output).toBe('hunter2\n');
  });
});

describe('jobs in shell lanes', () => {
  it('a jobline killed with SIGKILL takes its lanes and their commands with it', async () => {
    const cwd = makeTempDir();
    const env = { JOBLINE_JOBS_DIR: join(makeTempDir(), 'jobs') };
    const marker = `sleep 60.${process.pid}9`;
    const { child, result } = startCli(['batch', '-', '-j', '2'], { cwd, env, keepStdinOpen: true });
    child.stdin!.end(`exec ${marker}\nexec ${marker}\n`);
    const pids = await waitForProcesses(marker, 2, 15_000);
    try {
      // Each runs under a lane of jobline's: the namespace's holder is a child of jobline.
      for (const pid of pids) expect(findAncestorNamed(pid, 'unshare')).not.toBeNull();
      child.kill('SIGKILL');
      await result;
      expect(await waitForProcessesToExit(pids)).toEqual([]);
      const { stdout } = await runCli(['list', '--json'], { cwd, env });
      expect((JSON.parse(stdout) as Job[]).map((job) => job.status)).toEqual(['interrupted']);
    } finally {
      for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('keeps multi-byte characters whole when they straddle two reads of the pipe', async () => {
    const { text, results } = await runMultiByteJobs(2, 'cat euro.txt');
    for (const { status, output } of results) {
      expect(status).toBe('completed');
      expect(output).toBe(text);
    }
  });
});
