// The jobs folder's register of job names: one symbolic link per name, `.names/<name>` → `../<id>`.
// A name is taken by creating its link, which fails if the link exists (symlink(2) is exclusive
// and atomic), so two processes never give one name to two jobs; listing names is one readdir.
// A link whose job folder is gone (a crash between a job's removal and its name's) is stale, and
// is taken over under a claim: see takeOver.
import { existsSync, linkSync, mkdirSync, readdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { EFF_LONG_WORDLIST } from 'secure-password-utilities/wordlists';
import { JOB_NAME_PATTERN } from '../jobs/model/job.js';
import { isJobIdPrefix, type JobNameIndex } from '../jobs/model/job-id.js';
import { StoreError, describeError } from '../errors.js';
import { tryAcquireClaim } from './claim.js';

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
   * A name shaped like a job id or a prefix of one (`job-2zx4`) is refused: it would hide the ids
   * it looks like, a full name being resolved first.
   * @throws StoreError JOB_NAME_TAKEN (naming the job that has it), JOB_NAME_INVALID, JOB_IO.
   */
  claimSync(id: string, wanted: string | null): string {
    if (wanted !== null) {
      if (!JOB_NAME_PATTERN.test(wanted) || isJobIdPrefix(wanted)) throw new StoreError('JOB_NAME_INVALID', `${JSON.stringify(wanted.slice(0, 80))} is not a job name: letters, digits, _ . - (up to 80), starting with a letter or digit, and not shaped like a job id or a prefix of one (job-2zx4).`);
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
      // Names start with a letter or digit: a dot starts a takeover's claim or a link set aside.
      return readdirSync(this.folder).filter((entry) => !entry.startsWith('.'));
    } catch {
      return [];
    }
  }

  private linkPath(name: string): string {
    return join(this.folder, normalizeJobName(name));
  }

  // Links `name` to job `id`; false when another live job holds it (or is taking it over now).
  private tryLink(name: string, id: string): boolean {
    const path = this.linkPath(name);
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        symlinkSync(join('..', id), path);
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && attempt === 0) {
          mkdirSync(this.folder, { recursive: true, mode: 0o700 });
          continue;
        }
        if (code !== 'EEXIST') throw this.ioError(error);
      }
      const held = readTarget(path);
      if (held === null) continue; // released meanwhile: link again
      if (existsSync(join(this.dir, held))) return false;
      const taken = this.takeOver(path, held, id);
      // Stryker disable next-line ConditionalExpression: looking again (the next turn) finds the same answer: the link just made, or the live job's
      if (taken !== 'changed') return taken;
    }
    return false;
  }

  /**
   * Replaces the stale link at `path` (to `staleId`, whose folder is gone) by one to job `id`.
   * Removing a link that was read a moment ago is the dangerous step: between the read and the
   * unlink, another taker may have replaced it by its own, live one, and both would then hold
   * the name. So takers of one name take turns under its claim (`.<name>.takeover`, broken if
   * its holder dies), and the holder, after checking the link is still the stale one, renames it
   * aside to a name of its own (exactly that link goes, whatever happens at `path`), checks again
   * what it moved, and only then links its own. A new link is only ever made on an empty path, by
   * symlink(2), so one made meanwhile by someone else wins fairly. Returns true (taken), false
   * (held by a live job or another taker), or `changed` (the link changed meanwhile: look again).
   */
  private takeOver(path: string, staleId: string, id: string): boolean | 'changed' {
    const name = basename(path);
    const claim = tryAcquireClaim(join(this.folder, `.${name}.takeover`));
    if (!claim) return false;
    try {
      // Stryker disable next-line ConditionalExpression: a fast path; the check of what was moved aside (below) catches the same change
      if (readTarget(path) !== staleId) return 'changed';
      const aside = join(this.folder, `.${name}.stale-${randomBytes(6).toString('hex')}`);
      try {
        renameSync(path, aside);
      } catch {
        // Gone meanwhile: nothing is aside, which the check below reads as changed.
      }
      if (readTarget(aside) !== staleId) {
        // Not the link checked (changed by something that does not take turns): put it back unless replaced.
        try {
          linkSync(aside, path);
        } catch {
          // A new link is at `path`: it holds the name.
        }
        unlinkQuietly(aside);
        return 'changed';
      }
      unlinkQuietly(aside);
      try {
        symlinkSync(join('..', id), path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'changed';
        throw this.ioError(error);
      }
    } finally {
      claim.release();
    }
  }

  private ioError(error: unknown): StoreError {
    return new StoreError('JOB_IO', `Cannot record a job name in ${this.folder}: ${describeError(error)}`, { cause: error });
  }
}

// The id the link at `path` points at, or null when there is no link.
function readTarget(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
