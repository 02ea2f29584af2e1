// A worker's shells where PID namespaces are allowed: each runs in an idle shell lane
// (shell-lane.ts), or a new one; lanes idle for a while are closed. What a lane cannot take goes
// to the fallback launcher (the spawner).
import { statSync } from 'node:fs';
import { describeError } from '../../errors.js';
import type { ShellLauncher, ShellListener, ShellRequest } from './shell-launcher.js';
import { canRunInLane, findOversizedVariable, MAX_ENV_STRING_BYTES, ShellLane } from './shell-lane.js';

/** How long an idle lane is kept for the next shell (ms): a batch's next task comes within ~1 ms. */
export const LANE_IDLE_MS = 3000;

/** Runs shells in lanes: one lane per shell running at once, reused while it lives. */
export class LaneLauncher implements ShellLauncher {
  private readonly idle: ShellLane[] = [];
  private readonly closeTimers = new Map<ShellLane, NodeJS.Timeout>();

  /**
   * @param fallback starts what a lane cannot run (a variable name the shell cannot take).
   * @param env the environment lanes start with (copied: it does not change under them).
   */
  constructor(
    private readonly fallback: ShellLauncher,
    private readonly env: NodeJS.ProcessEnv = { ...process.env },
    private readonly idleMs: number = LANE_IDLE_MS,
  ) {}

  /** Starts `request` in a lane; `listener` hears what ShellLauncher promises. */
  spawnShell(request: ShellRequest, listener: ShellListener): void {
    if (!canRunInLane(request)) {
      this.fallback.spawnShell(request, listener);
      return;
    }
    // What a spawn of /bin/sh would have refused is refused the same way, before a lane is used.
    const oversized = findOversizedVariable(request);
    if (oversized) {
      listener.failed('E2BIG', `$${oversized} is longer than ${MAX_ENV_STRING_BYTES / 1024} KiB`);
      return;
    }
    if (!isFolder(request.cwd)) {
      listener.failed('ENOENT', 'no such folder');
      return;
    }
    let lane = this.idle.pop();
    if (lane) {
      clearTimeout(this.closeTimers.get(lane));
      this.closeTimers.delete(lane);
    } else {
      try {
        lane = ShellLane.start(this.env, (ended) => this.park(ended), (gone) => this.forget(gone));
      } catch (error) {
        listener.failed((error as NodeJS.ErrnoException).code ?? null, describeError(error));
        return;
      }
    }
    lane.run(request, listener);
  }

  /** Lanes alive and idle now. */
  get idleLanes(): number {
    return this.idle.length;
  }

  // A lane finished its shell: kept for the next one, and closed if none comes.
  private park(lane: ShellLane): void {
    this.idle.push(lane);
    const timer = setTimeout(() => {
      this.forget(lane);
      lane.close();
    }, this.idleMs);
    // An idle lane never keeps its thread alive.
    timer.unref();
    this.closeTimers.set(lane, timer);
  }

  private forget(lane: ShellLane): void {
    clearTimeout(this.closeTimers.get(lane));
    this.closeTimers.delete(lane);
    const index = this.idle.indexOf(lane);
    if (index !== -1) this.idle.splice(index, 1);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
