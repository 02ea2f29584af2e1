// The storage limits on ended jobs as the config sets them. Pure.

/** How many ended jobs of each kind stay (`Infinity` keeps them all): unfinished and completed ones. */
export interface EndedLimits {
  unfinished: number;
  completed: number;
}

/** Completed jobs kept when the config does not say (the config schema's default too). */
export const DEFAULT_MAX_COMPLETED_JOBS = 20;

/** The storage policy's settings (from the config). */
export interface StoragePolicy {
  /** Keep every completed job (debug.keepTempFiles): maxCompletedJobs does not apply. */
  keepTempFiles: boolean;
  maxUnfinishedJobs: number;
  maxCompletedJobs: number;
}

/** The limits the policy's settings set (`keepTempFiles` lifts the one on completed jobs). */
export function getEndedLimits(policy: StoragePolicy): EndedLimits {
  return { unfinished: policy.maxUnfinishedJobs, completed: policy.keepTempFiles ? Infinity : policy.maxCompletedJobs };
}
