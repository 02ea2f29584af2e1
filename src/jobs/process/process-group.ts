// Signalling a job shell's whole process group: every process the shell started, grandchildren
// included, gets the signal at once, so none is orphaned (shells run as group leaders).

/**
 * Sends `signal` to every process in the group led by `pid`. Returns false when the group no
 * longer exists (ESRCH); other errors are swallowed as well, since callers use this as cleanup.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

