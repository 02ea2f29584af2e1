// Exit paths of a process that owns jobs: on SIGINT, SIGTERM, SIGHUP, SIGQUIT or SIGUSR2 (every
// signal whose default action ends the process and that Node does not reserve: SIGUSR1 starts its
// inspector) every active job is marked interrupted on disk before the process ends, and every
// worker and child process is stopped.
import type { JobManager } from '../jobs/service/manager.js';

/** What the exit paths need of a session: a clean shutdown, and a synchronous last resort. */
export type ExitableSession = Pick<JobManager, 'shutdown' | 'interruptActiveSync'>;

const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;
const SIGNAL_NUMBERS: Record<(typeof EXIT_SIGNALS)[number], number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGUSR2: 12, SIGTERM: 15 };
// A clean shutdown waits for writes in flight and for runs to die; past this the process
// marks jobs synchronously and exits anyway, so an exit never takes longer than about 1.5 s.
const SHUTDOWN_DEADLINE_MS = 1500;

/**
 * Installs handlers that shut `manager` down and exit with 128 + the signal number. A second
 * signal exits at once (jobs are still marked synchronously). `beforeExit` runs first (e.g. to
 * stop a spinner); `onStopped` hears the ids of the jobs the shutdown marked interrupted, just
 * before the exit (to say what was done). Also marks jobs on any other `process.exit`. Returns an uninstaller.
 */
export function installExitHandlers(manager: ExitableSession, beforeExit: () => void = () => {}, onStopped: (marked: string[]) => void = () => {}): () => void {
  let isExiting = false;
  const handlers = EXIT_SIGNALS.map((signal) => {
    const handler = (): void => {
      const code = 128 + SIGNAL_NUMBERS[signal];
      if (isExiting) {
        manager.interruptActiveSync();
        process.exit(code);
      }
      isExiting = true;
      beforeExit();
      const deadline = setTimeout(() => {
        onStopped(manager.interruptActiveSync());
        process.exit(code);
      }, SHUTDOWN_DEADLINE_MS);
      void manager.shutdown().then(onStopped, () => {}).finally(() => {
        clearTimeout(deadline);
        process.exit(code);
      });
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  // Last line of defence for exits nobody planned (an uncaught exception): sync, idempotent.
  const onExit = (): void => {
    manager.interruptActiveSync();
  };
  process.on('exit', onExit);
  return () => {
    for (const { signal, handler } of handlers) process.off(signal, handler);
    process.off('exit', onExit);
  };
}
