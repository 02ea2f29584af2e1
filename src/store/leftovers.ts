// Sweeping what crashes leave in a jobs folder: job folders without a job.json (a kill between
// creating the folder and the job's first write), temp files of writes that never finished, and
// the request inboxes of jobline processes killed outright.
// Run by /clean; a creation in progress is never mistaken for a leftover (see LEFTOVER_AGE_MS).
import { readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { isJobId } from '../jobs/model/job-id.js';
import { INBOX_DIR, inboxPathOf } from './job-requests.js';
import { checkOwnerAlive, isPidRunning } from '../jobs/process/owner.js';
import type { SweptLeftovers } from '../jobs/ports/job-reader.js';

/**
 * Age (ms) past which a folder without job.json, or a temp file whose writer is unknown, counts
 * as left over. A job's folder gets its job.json within milliseconds of being created, and a
 * write's temp file is renamed as soon as it is fsynced, so a minute is far beyond any of them.
 */
export const LEFTOVER_AGE_MS = 60_000;
// job.json.<pid>-<threadId>.<n>.tmp (atomic-write.ts), and job.json.<pid>.<n>.tmp of older builds.
const JOB_TEMP = /^job\.json\.(\d+)(?:-\d+)?\.\d+\.tmp$/;


function isOld(path: string, nowMs: number): boolean {
  try {
    return nowMs - statSync(path).mtimeMs > LEFTOVER_AGE_MS;
  } catch {
    return false;
  }
}

/**
 * Removes, under the jobs folder `dir`, job folders without a job.json older than
 * LEFTOVER_AGE_MS, and temp files whose writer process is dead (job.json temps name their pid)
 * or, for other temp files, older than LEFTOVER_AGE_MS. Never throws: what cannot be removed stays.
 */
export function sweepLeftovers(dir: string, nowMs = Date.now()): SweptLeftovers {
  const swept: SweptLeftovers = { emptyFolders: [], tempFiles: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return swept;
  }
  swept.tempFiles.push(...sweepDeadInboxes(join(dir, INBOX_DIR)));
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.tmp') && isOld(path, nowMs)) {
      if (removeFile(path)) swept.tempFiles.push(path);
      continue;
    }
    if (!isJobId(name)) continue;
    let files: string[];
    try {
      files = readdirSync(path);
    } catch {
      continue; // not a folder, or gone
    }
    for (const file of files) {
      if (!file.endsWith('.tmp')) continue;
      const pid = JOB_TEMP.exec(file)?.[1];
      const isLeftOver = pid ? !isPidRunning(Number(pid)) : isOld(join(path, file), nowMs);
      if (isLeftOver && removeFile(join(path, file))) swept.tempFiles.push(join(path, file));
    }
    if (!files.includes('job.json') && isOld(path, nowMs)) {
      try {
        rmSync(path, {
          recursive: true,
          // Stryker disable next-line BooleanLiteral: force matters only for a folder another sweep removed meanwhile: gone either way
          force: true,
        });
        swept.emptyFolders.push(path);
      } catch {
        // Stays for the next sweep.
      }
    }
  }
  return swept;
}

// The request inboxes of jobline processes of this host that have ended without removing theirs
// (killed outright): see job-requests.ts for the names.
function sweepDeadInboxes(inboxDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(inboxDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    // Stryker disable next-line Regex: a name matched only in part is not this host's inbox path below, and is skipped there
    const match = /^(.+)-(\d+)-(\d+)$/.exec(name);
    if (!match) continue;
    const owner = { hostname: hostname(), pid: Number(match[2]), processStartedAt: new Date(Number(match[3])).toISOString() };
    if (inboxPathOf(dirname(inboxDir), owner) !== join(inboxDir, name)) continue; // another host's
    if (checkOwnerAlive(owner) === false && removeFile(join(inboxDir, name))) removed.push(join(inboxDir, name));
  }
  return removed;
}

function removeFile(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
