// Worker side of the spawner (spawner-entry.ts): boots the spawner process on the first shell and
// runs this worker's later shells through it, matching replies to runs by id. Until the spawner is
// ready (~40 ms, more when several boot at once) the worker starts shells itself: waiting for it
// would delay a cold job's first phase several times over.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appendStartMark, type ShellLauncher, type ShellListener, type ShellRequest } from './shell-launcher.js';
import { signalProcessGroup } from './process-group.js';
import { describeError } from '../../errors.js';
import { startShell } from './shell-process.js';
import type { SpawnerEvent, SpawnerRequest } from './spawner-protocol.js';

interface ShellRun {
  listener: ShellListener;
  pid: number | null;
}

/** Launches shells from a small long-lived spawner process instead of forking this big one. */
export class SpawnerClient implements ShellLauncher {
  private spawner: ChildProcess | null = null;
  private isSpawnerReady = false;
  /** The spawner died before it was ready (a broken install, no memory): shells start here. */
  private isSpawnerBroken = false;
  private nextId = 1;
  private readonly runs = new Map<number, ShellRun>();

  /** @param entry the compiled spawner-entry.js (see compiled-entry.ts). */
  constructor(private readonly entry: URL) {}

  /** Boots the spawner unless it runs or is broken (it takes ~40 ms to get ready). */
  private boot(): void {
    if (this.spawner || this.isSpawnerBroken) return;
    try {
      this.spawner = this.forkSpawner();
    } catch {
      // fork() failed (EAGAIN, ENOMEM); the next shell tries again.
    }
  }

  /** Starts `request`; `listener` hears started, output... and exited, or failed. */
  spawnShell(request: ShellRequest, listener: ShellListener): void {
    this.boot();
    // No shell of ours wraps this one: the start mark is written here, just before it is started.
    if (request.startMark) {
      try {
        appendStartMark(request.startMark);
      } catch (error) {
        listener.failed(null, `its start could not be recorded (${describeError(error)})`);
        return;
      }
    }
    if (this.spawner && this.isSpawnerReady) {
      this.send(this.spawner, request, listener);
      return;
    }
    // Started from the worker: the fork costs more, and such a shell does not die with a
    // SIGKILLed jobline (the registry and the exit sweep still cover every other exit).
    startShell(request, process.env, listener);
  }

  private send(spawner: ChildProcess, request: ShellRequest, listener: ShellListener): void {
    const id = this.nextId++;
    this.runs.set(id, { listener, pid: null });
    try {
      spawner.send({ type: 'spawnRequested', id, ...request } satisfies SpawnerRequest);
    } catch (error) {
      // The channel closed just now; `lose` fails the other runs, this one fails here.
      this.runs.delete(id);
      listener.failed(null, `cannot reach the process spawner: ${describeError(error)}`);
    }
  }

  private forkSpawner(): ChildProcess {
    const spawner = fork(fileURLToPath(this.entry), [], {
      serialization: 'advanced', // output chunks travel as bytes
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      // Its own process group: a Ctrl+C at the terminal is jobline's to handle, not the spawner's.
      detached: true,
      // Not the worker's flags (--cpu-prof, --import ...); few V8 threads and a small young
      // generation keep the spawner small, which is what makes its forks cheap.
      execArgv: ['--single-threaded', '--max-semi-space-size=1'],
    });
    // An idle worker must not be kept alive by its spawner (the pool decides its life).
    spawner.unref();
    spawner.channel?.unref();
    spawner.on('message', (event: SpawnerEvent) => this.dispatch(spawner, event));
    spawner.on('error', () => this.lose(spawner));
    spawner.on('exit', () => this.lose(spawner));
    return spawner;
  }

  private dispatch(spawner: ChildProcess, event: SpawnerEvent): void {
    if (event.type === 'spawnerReady') {
      if (this.spawner === spawner) this.isSpawnerReady = true;
      return;
    }
    const run = this.runs.get(event.id);
    if (!run) return;
    if (event.type === 'processStarted') {
      run.pid = event.pid;
      run.listener.started(event.pid);
    } else if (event.type === 'outputProduced') {
      run.listener.output(event.chunk, event.fd);
    } else if (event.type === 'processExited') {
      this.runs.delete(event.id);
      run.listener.exited(event.code, event.signal);
    } else {
      this.runs.delete(event.id);
      run.listener.failed(event.code, event.message);
    }
  }

  /** The spawner died or failed (killed from outside, at boot, or a send failed): its runs fail, and their groups are killed here. */
  private lose(spawner: ChildProcess): void {
    if (this.spawner !== spawner) return;
    this.spawner = null;
    // After an 'error' (a failed send) it may still run: SIGTERM makes it kill its shells and go.
    spawner.kill('SIGTERM');
    if (!this.isSpawnerReady) this.isSpawnerBroken = true;
    this.isSpawnerReady = false;
    const orphaned = [...this.runs.values()];
    this.runs.clear();
    for (const run of orphaned) {
      if (run.pid !== null) signalProcessGroup(run.pid, 'SIGKILL');
      run.listener.failed(null, 'the process spawner exited unexpectedly');
    }
  }
}
