// Giving jobs their names in the repository's register (unique in the jobs folder): a new job's,
// and a rename's, in the order that never leaves a job without the name it is stored under.
import type { JobRepository } from '../ports/repository.js';

/**
 * The name of new job `id` (its folder claimed, nothing written yet): `wanted`, or a generated
 * one when null. When it cannot be given, the claimed folder is removed (nothing of the job
 * exists) and the error is thrown. @throws StoreError JOB_NAME_TAKEN, JOB_NAME_INVALID, JOB_IO.
 */
export function claimNewJobName(repository: JobRepository, id: string, wanted: string | null): string {
  try {
    return repository.claimNameSync(id, wanted);
  } catch (error) {
    void repository.remove(id).catch(() => {});
    throw error;
  }
}

/**
 * Renames job `id` from `from` to `to` (null: no name) around `commit`, which writes the rename:
 * the new name is taken first and the old one freed after, so no other job can take either
 * meanwhile; a failed commit frees the new one again. @throws StoreError JOB_NAME_TAKEN, and
 * whatever `commit` throws.
 */
export async function renameAround(repository: JobRepository, id: string, from: string | null, to: string | null, commit: () => Promise<void>): Promise<void> {
  if (to) repository.claimNameSync(id, to);
  try {
    await commit();
  } catch (error) {
    if (to) repository.releaseNameSync(to, id);
    throw error;
  }
  if (from) repository.releaseNameSync(from, id);
}
