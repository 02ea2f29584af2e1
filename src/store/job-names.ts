// The jobs folder's register of job names: one symbolic link per name, `.names/<name>` → `../<id>`.
// A name is taken by creating its link, which fails if the link exists (symlink(2) is exclusive
// and atomic), so two processes never give one name to two jobs; listing names is one readdir.
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomInt } from 'node:crypto';
import { EFF_LONG_WORDLIST } from 'secure-password-utilities/wordlists';
import { JOB_NAME_PATTERN } from '../jobs/model/job.js';
import { isJobId, type JobNameIndex } from '../jobs/model/job-id.js';
import { StoreError, describeError } from '../errors.js';

/** The register's folder, in the jobs folder. */
export const NAMES_FOLDER = '.names';

/**
 * The words of generated names: the EFF's long word list for passphrases (7,776 words chosen to be
 * memorable, distinct and inoffensive; eff.org/dice), kept to its words of 3–6 letters so that a
 * name of three words stays short enough to type (2,848 words: 2.3e10 names of three words).
 */
export const NAME_WORDS: readonly string[] = EFF_LONG_WORDLIST.filter((word) => /^[a-z]{3,6}$/.test(word));

// Generated names have three words; after this many taken ones in a row (a crowded folder, or an
// unlucky draw), four.
const THREE_WORD_ATTEMPTS = 8;
const MAX_ATTEMPTS = 32;

/** A random name of `wordCount` words joined by `-`, such as `mango-crave-pulse`. */
export function generateJobName(wordCount = 3): string {
  return Array.from({ length: wordCount }, () => NAME_WORDS[randomInt(NAME_WORDS.length)]!).join('-');
}

/** A name as the register keys it: names are unique regardless of case. */
export function normalizeJobName(name: string): string {
  return name.trim().toLowerCase();
}

/** The register of one jobs folder `dir`. */
export class JobNames implements JobNameIndex {
  private readonly folder: string;

  constructor(private readonly dir: string) {
    this.folder = join(dir, NAMES_FOLDER);
  }

  /**
   * Gives job `id` the name `wanted`, or a generated one when `wanted` is null; returns the name.
   * A name whose job folder is gone (a crash between a job's removal and its name's) is free.
   * @throws StoreError JOB_NAME_TAKEN (naming the job that has it), JOB_NAME_INVALID, JOB_IO.
   */
  claimSync(id: string, wanted: string | null): string {
    if (wanted !== null) {
      if (!JOB_NAME_PATTERN.test(wanted) || isJobId(wanted.toLowerCase())) throw new StoreError('JOB_NAME_INVALID', `${JSON.stringify(wanted.slice(0, 80))} is not a job name: letters, digits, _ . - (up to 80), starting with a letter or digit, and not shaped like a job id.`);
      if (this.tryLink(wanted, id) || this.idOf(wanted) === id) return wanted;
      throw new StoreError('JOB_NAME_TAKEN', `The name ${wanted} is taken by ${this.idOf(wanted) ?? 'another job'}; choose another name or delete that job.`);
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const name = generateJobName(attempt < THREE_WORD_ATTEMPTS ? 3 : 4);
      if (this.tryLink(name, id)) return name;
    }
    throw new StoreError('JOB_IO', `Cannot find a free job name in ${this.dir} after ${MAX_ATTEMPTS} tries.`);
  }

  /** Frees `name` if job `id` holds it (a removed or renamed job). Best effort: never throws. */
  releaseSync(name: string, id: string): void {
    try {
      if (this.idOf(name) === id) unlinkSync(this.linkPath(name));
    } catch {
      // A name left behind points at no folder, so the next claim takes it over.
    }
  }

  /** The id of the job named `name` (any case), or null. Never throws. */
  idOf(name: string): string | null {
    try {
      const target = basename(readlinkSync(this.linkPath(name)));
      return existsSync(join(this.dir, target)) ? target : null;
    } catch {
      return null;
    }
  }

  /** Every registered name (normalized), unsorted. Never throws: no register is no names. */
  list(): string[] {
    try {
      return readdirSync(this.folder);
    } catch {
      return [];
    }
  }

  private linkPath(name: string): string {
    return join(this.folder, normalizeJobName(name));
  }

  // Links `name` to job `id`; false when another live job holds it. A link to a missing folder is
  // stale: it is replaced (unlink, then an exclusive link again, so two takers still race fairly).
  private tryLink(name: string, id: string): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        symlinkSync(join('..', id), this.linkPath(name));
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && attempt === 0) {
          mkdirSync(this.folder, { recursive: true, mode: 0o700 });
          continue;
        }
        if (code !== 'EEXIST') throw new StoreError('JOB_IO', `Cannot record a job name in ${this.folder}: ${describeError(error)}`, { cause: error });
        if (this.idOf(name) !== null) return false;
        try {
          unlinkSync(this.linkPath(name));
        } catch {
          // Another process took the stale name over first; the next link attempt tells.
        }
      }
    }
    return false;
  }
}
