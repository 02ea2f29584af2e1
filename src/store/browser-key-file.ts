// The jobs folder's browser key: the file `browser-key` (mode 0600) holding the key every browser
// logged in to the folder's dashboard presents. It outlives a server, so a dashboard left open
// reconnects to the next server on the folder without a new login; replacing it (a log out) or
// deleting it ends every browser's access.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-write.js';
import { SERVER_FILES } from './server-presence.js';

/** A browser key: 32 random bytes as 64 lowercase hex digits. */
const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** The folder's browser key file. */
export interface BrowserKeyFile {
  /** Its path (for messages). */
  readonly path: string;
  /** The key on disk now, or null when the file is gone or does not hold a key. Never throws. */
  read(): string | null;
  /**
   * Writes a new random key over the file (atomically, mode 0600) and returns it: whoever held
   * the old one is out. @throws the fs error when the folder cannot be written.
   */
  rotate(): string;
}

/** The browser key file of `jobsDir`. */
export function openBrowserKeyFile(jobsDir: string): BrowserKeyFile {
  const path = join(jobsDir, SERVER_FILES.browserKey);
  return {
    path,
    read: () => {
      try {
        const kept = readFileSync(path, 'utf8').trim();
        return KEY_PATTERN.test(kept) ? kept : null;
      } catch {
        return null;
      }
    },
    rotate: () => {
      const key = randomBytes(32).toString('hex');
      writeFileAtomicSync(path, `${key}\n`);
      return key;
    },
  };
}
