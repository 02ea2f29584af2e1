// The one scrubber of API keys. Every text jobline writes to disk or shows passes through it:
// in a worker, everything an agent reports (output lines, activity, a phase's result and
// error); in the main thread, every job file write. It removes each key wherever it appears,
// and also any fragment of one of MIN_SECRET_FRAGMENT characters or more, so a key cut by some
// truncation before it got here (a provider's error text shortened to a line) cannot leak either.

/** Shortest piece of a key that is removed wherever it appears; shorter ones are ordinary text. */
export const MIN_SECRET_FRAGMENT = 8;
/** What a removed key or fragment becomes. */
export const REDACTED = '***';
// Keys shorter than this are not treated as secrets (a placeholder such as "none" or "x").
const MIN_SECRET_LENGTH = 12;

/** Removes API keys (and fragments of them) from text. Pure; cheap when it holds no key. */
export class SecretScrubber {
  private readonly secrets: string[];
  private readonly fragments = new Set<string>();

  /** @param secrets the key values; empty and short ones (under 12 characters) are ignored. */
  constructor(secrets: Iterable<string>) {
    this.secrets = [...new Set([...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH))];
    for (const secret of this.secrets) {
      // Stryker disable next-line ArithmeticOperator: a bound past the end adds pieces shorter than 8, which no window of scrub (always 8 long) can match
      for (let i = 0; i + MIN_SECRET_FRAGMENT <= secret.length; i++) this.fragments.add(secret.slice(i, i + MIN_SECRET_FRAGMENT));
    }
  }

  /** True when there is nothing to scrub. */
  get isEmpty(): boolean {
    return this.secrets.length === 0;
  }

  /** Returns `text` with every key, and every run of text made of key fragments, replaced by `***`. */
  scrub(text: string): string {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a fast path; without it no key and no window of 8 is found, and the text comes back the same
    if (this.isEmpty || text.length < MIN_SECRET_FRAGMENT) return text;
    let result = text;
    // Stryker disable next-line ConditionalExpression: a fast path; splitting on a key the text lacks gives the text back
    for (const secret of this.secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    // Mark every character covered by a window that is a fragment of a key, then replace each
    // maximal marked run once.
    let out = '';
    let coveredUntil = -1;
    let runStart = -1;
    let copiedUntil = 0;
    // Stryker disable next-line ArithmeticOperator: a bound past the end only adds windows shorter than 8, which are never a key's piece
    for (let i = 0; i + MIN_SECRET_FRAGMENT <= result.length; i++) {
      if (!this.fragments.has(result.slice(i, i + MIN_SECRET_FRAGMENT))) continue;
      if (i > coveredUntil) {
        if (runStart >= 0) {
          out += result.slice(copiedUntil, runStart) + REDACTED;
          copiedUntil = coveredUntil;
        }
        runStart = i;
      }
      coveredUntil = i + MIN_SECRET_FRAGMENT;
    }
    if (runStart < 0) return result;
    return `${out}${result.slice(copiedUntil, runStart)}${REDACTED}${result.slice(coveredUntil)}`;
  }
}

/** A scrubber of the keys the variables `names` hold (see readSecrets). */
export function scrubberOf(names: Iterable<string>, env: NodeJS.ProcessEnv = process.env): SecretScrubber {
  return new SecretScrubber(readSecrets(names, env));
}

/** The values of the environment variables `names` that are set (the keys to scrub). */
export function readSecrets(names: Iterable<string>, env: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = [];
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) values.push(value);
  }
  return values;
}

/** Returns a copy of `env` without the variables `names` (the environment handed to tools' commands). */
export function withoutVariables(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of names) delete copy[name];
  return copy;
}
