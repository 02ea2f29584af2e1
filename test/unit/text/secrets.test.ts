// The key scrubber: a planted key at every offset of texts of every length never survives, whole
// or in a fragment of MIN_SECRET_FRAGMENT characters, whatever is cut afterwards or before.
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_FRAGMENT, SecretScrubber, readSecrets, scrubberOf, withoutVariables } from '../../../src/text/secrets.js';

const KEY = 'sk-live-7f3a9c1e5b2d8f4a6c0e9b3d7f1a5c8e2b4d6f8a0c3e5b7d9f1a3c5e7b9d'; // 67 characters

/** MIN_SECRET_FRAGMENT when `text` holds a piece of KEY that long (or longer), else 0. */
function longestKeyPiece(text: string): number {
  for (let start = 0; start + MIN_SECRET_FRAGMENT <= KEY.length; start++) {
    if (text.includes(KEY.slice(start, start + MIN_SECRET_FRAGMENT))) return MIN_SECRET_FRAGMENT;
  }
  return 0;
}

describe('SecretScrubber', () => {
  const scrubber = new SecretScrubber([KEY]);

  it('removes a key planted at every offset of texts of many lengths, and every fragment cut from it', () => {
    let checked = 0;
    for (let length = 0; length <= 400; length += 13) {
      const filler = 'x'.repeat(length);
      for (let offset = 0; offset <= length; offset += 3) {
        const text = `${filler.slice(0, offset)}${KEY}${filler.slice(offset)}`;
        expect(longestKeyPiece(scrubber.scrub(text))).toBeLessThan(MIN_SECRET_FRAGMENT);
        // Cut anywhere first (as a truncation upstream would), then scrubbed: no piece of 8 survives.
        const cut = text.slice(0, offset + 1 + (length % KEY.length));
        expect(longestKeyPiece(scrubber.scrub(cut))).toBeLessThan(MIN_SECRET_FRAGMENT);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  // Spelled in numbers, not through MIN_SECRET_FRAGMENT: a scrubber whose shortest fragment grew
  // (or lost the key's last window, or the text's) would otherwise pass its own yardstick.
  it('removes a piece of 8 to 11 characters cut from anywhere in a key, at either end of a text or inside it', () => {
    for (let length = 8; length <= 11; length++) {
      for (let start = 0; start + length <= KEY.length; start++) {
        const piece = KEY.slice(start, start + length);
        expect(scrubber.scrub(`status 401: ${piece} rejected`)).toBe('status 401: *** rejected');
        expect(scrubber.scrub(piece)).toBe('***');
        expect(scrubber.scrub(`key=${piece}`)).toBe('key=***');
        expect(scrubber.scrub(`${piece}: rejected`)).toBe('***: rejected');
      }
    }
    // Seven characters are ordinary text: words of a message are not a key's.
    expect(scrubber.scrub(`key=${KEY.slice(0, 7)} and ${KEY.slice(-7)}`)).toBe(`key=${KEY.slice(0, 7)} and ${KEY.slice(-7)}`);
  });

  it('keeps ordinary text, and short or empty keys are not secrets', () => {
    expect(scrubber.scrub('Bearer *** and some ordinary words sk-live')).toBe('Bearer *** and some ordinary words sk-live');
    expect(scrubber.scrub(`a${KEY}b${KEY}c`)).toBe('a***b***c');
    expect(new SecretScrubber(['', 'short']).isEmpty).toBe(true);
    // Twelve characters make a key; eleven do not.
    expect(new SecretScrubber(['abcdefghijkl']).scrub('token abcdefghijkl sent')).toBe('token *** sent');
    expect(new SecretScrubber(['abcdefghijk']).isEmpty).toBe(true);
    expect(new SecretScrubber(['abcdefghijk']).scrub('token abcdefghijk sent')).toBe('token abcdefghijk sent');
  });

  it('withoutVariables drops exactly the named variables', () => {
    expect(withoutVariables({ A: '1', KEY: KEY, B: '2' }, ['KEY'])).toEqual({ A: '1', B: '2' });
  });

  it('replaces each run of key pieces once, and each whole key, wherever they meet', () => {
    const [a, b] = [KEY.slice(0, 10), KEY.slice(30, 41)];
    // Two pieces apart: each its own ***; two pieces side by side (not one piece of the key): one run.
    expect(scrubber.scrub(`first ${a} then ${b} end`)).toBe('first *** then *** end');
    // The first run at the text's very start is replaced like any other.
    expect(scrubber.scrub(`${a} then ${b}`)).toBe('*** then ***');
    expect(scrubber.scrub(`[${KEY.slice(0, 8)}${KEY.slice(40, 48)}]`)).toBe('[***]');
    // Two keys back to back are two keys.
    expect(scrubber.scrub(`${KEY}${KEY}`)).toBe('******');
    const other = 'ghp_0123456789abcdefghijABCDEFGHIJ';
    expect(new SecretScrubber([KEY, other]).scrub(`${other}|${KEY}`)).toBe('***|***');
  });
});

describe('the keys of environment variables', () => {
  it('are the trimmed values of the named variables that are set and not blank', () => {
    const env = { A: `  ${KEY}\n`, B: '   ', D: 'not named' };
    expect(readSecrets(['A', 'B', 'C'], env)).toEqual([KEY]);
    expect(readSecrets([], env)).toEqual([]);
    const scrubber = scrubberOf(['A', 'B', 'C'], env);
    expect(scrubber.scrub(`x ${KEY} y, not named`)).toBe('x *** y, not named');
    expect(scrubberOf(['B', 'C'], env).isEmpty).toBe(true);
  });
});
