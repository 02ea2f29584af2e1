// How a job's processes are kept from outliving it. Preferred: each job shell runs in its own PID
// namespace (util-linux `unshare --pid --fork --kill-child`, with a user namespace so no root is
// needed), whose first process is a tiny init; when that init dies the kernel kills every process
// in the namespace, including ones that called setsid or setpgid, double-forked or ignore
// SIGTERM (systemd's KillMode=control-group, per shell). `setpriv --pdeathsig KILL` makes the
// namespace's holder die with whatever started it (the spawner, or a worker thread), so a
// SIGKILLed jobline takes its jobs' processes with it. Where the kernel or the system refuses
// (no user namespaces, no util-linux), jobs run as before, as leaders of their own process group.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { constants } from 'node:os';

/** The way job shells are contained on this machine. */
export type Containment =
  | { kind: 'pid-namespace' }
  /** `reason` says why namespaces are not used (for the one warning a user sees). */
  | { kind: 'process-group'; reason: string };

/** Environment variable by which the main thread hands its finding to workers and spawners. */
export const CONTAINMENT_ENV = 'JOBLINE_CONTAINMENT';

const NAMESPACE_PREFIX = ['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--user', '--map-current-user', '--pid', '--fork', '--kill-child'];
// The namespace's init: it traps TERM (signals from outside reach a namespace's init only when it
// handles them) and waits for the real shell, so a cancel's SIGTERM to the process group stops
// the shell and its children, and init then exits with the shell's status, ending the namespace.
const INIT_SCRIPT = 'trap : TERM INT HUP; /bin/sh -c "$1"';
let detected: Containment | undefined;

/**
 * Finds out once per process whether job shells can run in their own PID namespace (one probe,
 * about 10 ms, blocking), unless the main thread already said so through CONTAINMENT_ENV or a
 * probe in the background (detectContainmentInBackground) has finished. Never throws.
 */
export function detectContainment(env: NodeJS.ProcessEnv = process.env): Containment {
  if (detected) return detected;
  const known = containmentWithoutProbe(env);
  if (known) return (detected = known);
  const probe = spawnSync(NAMESPACE_PREFIX[0]!, PROBE_ARGS, { stdio: ['ignore', 'ignore', 'pipe'], timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' });
  return (detected = judgeProbe(probe));
}

/**
 * The same finding as detectContainment, probed without blocking this thread: the REPL starts it
 * at launch, so the ~10 ms probe runs while it reads its jobs instead of before. Whichever of the
 * two finishes first decides for the process. Never rejects.
 */
export function detectContainmentInBackground(env: NodeJS.ProcessEnv = process.env): Promise<Containment> {
  if (detected) return Promise.resolve(detected);
  const known = containmentWithoutProbe(env);
  if (known) return Promise.resolve((detected = known));
  return new Promise((resolve) => {
    let stderr = '';
    const probe = spawn(NAMESPACE_PREFIX[0]!, PROBE_ARGS, { stdio: ['ignore', 'ignore', 'pipe'], timeout: PROBE_TIMEOUT_MS });
    probe.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let error: Error | undefined;
    probe.on('error', (cause) => (error = cause));
    probe.on('close', (status) => resolve((detected ??= judgeProbe({ status, error, stderr }))));
  });
}

const PROBE_ARGS = [...NAMESPACE_PREFIX.slice(1), '/bin/sh', '-c', INIT_SCRIPT, 'jobline-init', 'exit 7'];
const PROBE_TIMEOUT_MS = 5000;

// What is known without a probe: the finding handed down, or a platform without namespaces.
function containmentWithoutProbe(env: NodeJS.ProcessEnv): Containment | null {
  const handedDown = env[CONTAINMENT_ENV];
  if (handedDown === 'pid-namespace') return { kind: 'pid-namespace' };
  if (handedDown?.startsWith('process-group')) return { kind: 'process-group', reason: handedDown.slice('process-group:'.length) || 'disabled' };
  if (process.platform !== 'linux') return { kind: 'process-group', reason: `${process.platform} has no PID namespaces` };
  return null;
}

// The probe's init exits 7 only when the namespace was made; otherwise its error says why not.
function judgeProbe(probe: Pick<SpawnSyncReturns<string>, 'status' | 'error' | 'stderr'>): Containment {
  if (probe.status === 7) return { kind: 'pid-namespace' };
  const why = probe.error ? (probe.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'setpriv or unshare (util-linux) is not installed' : probe.error.message : (probe.stderr || `exit ${probe.status}`).trim().split('\n')[0];
  return { kind: 'process-group', reason: why ?? 'unknown' };
}

/** The value of CONTAINMENT_ENV that hands `containment` down to workers and spawners. */
export function describeContainmentForEnv(containment: Containment): string {
  return containment.kind === 'pid-namespace' ? 'pid-namespace' : `process-group:${containment.reason}`;
}

/**
 * The program and arguments that run `/bin/sh` with `shellArgs` as the init of a PID namespace of
 * its own (held by setpriv and unshare as for every job shell). Used by shell lanes
 * (shell-lane.ts), whose shell is its own init.
 */
export function buildNamespaceInitCommand(shellArgs: string[]): { file: string; args: string[] } {
  return { file: NAMESPACE_PREFIX[0]!, args: [...NAMESPACE_PREFIX.slice(1), '/bin/sh', ...shellArgs] };
}

/** The program and arguments that run `/bin/sh -c command` under `containment`. */
export function buildShellCommand(command: string, containment: Containment): { file: string; args: string[] } {
  if (containment.kind === 'process-group') return { file: '/bin/sh', args: ['-c', command] };
  return { file: NAMESPACE_PREFIX[0]!, args: [...NAMESPACE_PREFIX.slice(1), '/bin/sh', '-c', INIT_SCRIPT, 'jobline-init', command] };
}

/**
 * The namespace's init reports a shell killed by signal N as exit code 128 + N (it cannot die of
 * the signal itself); this turns such a code back into the signal's name, as an uncontained
 * shell would have reported it. Other codes are returned as they are.
 */
export function normalizeExit(code: number | null, signal: string | null, containment: Containment): { code: number | null; signal: string | null } {
  if (containment.kind !== 'pid-namespace' || code === null || code <= 128) return { code, signal };
  const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
  return name ? { code: null, signal: name } : { code, signal };
}
