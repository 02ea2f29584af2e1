// Drawing new job ids. Uniqueness is not decided here: the store claims an id by creating its
// folder exclusively (JobStore.claimIdSync).
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 8;

/** Returns a random candidate id such as `job-ab12cd34` (36^8 ≈ 2.8e12 possibilities; see JOB_ID_PATTERN). */
export function generateJobId(): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `job-${suffix}`;
}
