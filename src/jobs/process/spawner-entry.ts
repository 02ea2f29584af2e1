// The spawner: a small Node process that each worker starts and that forks its jobs' shells.
// fork() copies the forking process's page tables and stalls its other threads meanwhile: from
// jobline's ~100 MB process with four threads a spawn took ~5 ms, from this one about 1 ms.
import { signalProcessGroup } from './process-group.js';
import { type ShellProcess, startShell } from './shell-process.js';
import type { ShellSpawnRequested, SpawnerEvent, SpawnerRequest } from './spawner-protocol.js';

/** Shells started and not yet reported ended, by request id. */
const live = new Map<number, ShellProcess>();
/** Sends not yet handed to the IPC channel; while any are pending, output is paused (backpressure). */
let pendingSends = 0;
// Read once: process.env is a slow accessor object, and the environment does not change.
const baseEnv = { ...process.env };

if (!process.send) throw new Error('spawner-entry must be started with an IPC channel');

function send(event: SpawnerEvent): void {
  pendingSends++;
  const isFlushed = process.send!(event, undefined, {}, () => {
    pendingSends--;
    if (pendingSends === 0) for (const shell of live.values()) shell.resume();
  });
  if (!isFlushed) for (const shell of live.values()) shell.pause();
}

function start(request: ShellSpawnRequested): void {
  const { id } = request;
  const shell = startShell(request, baseEnv, {
    started: (pid) => send({ type: 'processStarted', id, pid }),
    output: (chunk, fd) => send({ type: 'outputProduced', id, fd, chunk }),
    exited: (code, signal) => {
      live.delete(id);
      send({ type: 'processExited', id, code, signal });
    },
    failed: (code, message) => {
      live.delete(id);
      send({ type: 'spawnFailed', id, code, message });
    },
  });
  if (!shell) return;
  live.set(id, shell);
  if (pendingSends > 0) shell.pause();
}

/** Kills every group this spawner started; used when its worker is gone. */
function killAll(): void {
  for (const shell of live.values()) signalProcessGroup(shell.pid, 'SIGKILL');
}

process.on('message', (request: SpawnerRequest) => {
  if (request.type === 'spawnRequested') start(request);
});
// The worker is gone (finished, terminated, or jobline died, even by SIGKILL): nobody is left to
// track these processes, so they go too. This is what keeps a killed jobline from leaving orphans.
process.on('disconnect', () => {
  killAll();
  process.exit(0);
});
process.on('SIGTERM', () => {
  killAll();
  process.exit(0);
});
// Named once it is ready, for `ps` (and `pgrep -x jobline-spawner`; 15 characters, the most a
// Linux process name holds).
process.title = 'jobline-spawner';
send({ type: 'spawnerReady' });
