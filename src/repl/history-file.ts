// Input history that survives restarts, kept in the user's data folder
// ($XDG_DATA_HOME/jobline/history, else ~/.local/share/jobline/history).
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Lines of history kept. */
export const HISTORY_SIZE = 500;

/** Returns the history file's path for `env` (XDG Base Directory spec, data home). */
export function getHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'jobline', 'history');
}

/** Reads the history, most recent first (readline's order). A missing or unreadable file reads as empty. */
export function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/**
 * Appends one line (oldest first on disk, mode 0600: prompts can be private); trims the file
 * back to HISTORY_SIZE lines now and then. Failures are ignored: history is a convenience.
 */
export function appendHistory(path: string, line: string): void {
  if (line.trim() === '' || line.includes('\n') || line.length > 10_000) return;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    appendFileSync(path, `${line}\n`, { mode: 0o600 });
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    if (lines.length > HISTORY_SIZE * 2) writeFileSync(path, `${lines.slice(-HISTORY_SIZE).join('\n')}\n`, { mode: 0o600 });
  } catch {
    // Not worth interrupting the user over.
  }
}
