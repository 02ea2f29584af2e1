// Claim tokens of external workers' claims (see ExternalWorkers): made at random when a task is
// claimed, handed to the claimer only, and kept with the run as a SHA-256 hash, so a copy of
// tasks.jsonl holds no live token. node:crypto: 256 random bits, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Run } from '../model/task.js';

/** A new claim token: 256 random bits, base64url (43 characters). */
export function createClaimToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The hash of claim token `token` kept with its run (SHA-256, hex). */
export function hashClaimToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` is the claim token of `run` (compared by hash, in constant time). */
export function isClaimTokenOf(run: Run, token: string | undefined): boolean {
  if (token === undefined || token === '' || run.tokenHash === undefined) return false;
  return timingSafeEqual(Buffer.from(hashClaimToken(token), 'hex'), Buffer.from(run.tokenHash, 'hex'));
}
