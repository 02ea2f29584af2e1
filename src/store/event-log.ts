// events.jsonl: an append-only lifecycle log, one JSON object per line. Appends are not fsynced:
// job.json is the durable source of truth, and a torn last line is skipped when read.
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { JobEvent } from '../jobs/job-event.js';

/** Returns `events` as log lines (JSON, one per line, each ending in a newline). */
export function formatEventLines(events: readonly JobEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** Appends lines made by formatEventLines to the log at `path` in one write, so they never interleave with another writer's. */
export function appendEventLines(path: string, lines: string): void {
  if (lines !== '') appendFileSync(path, lines, { mode: 0o600 });
}


/** The events read back from a log, and how many lines could not be parsed (e.g. a torn last line). */
export interface EventLogContents {
  events: JobEvent[];
  skippedLines: number;
}

/** Reads the log at `path`; a missing file reads as empty. Throws only on I/O errors other than ENOENT. */
export async function readEvents(path: string): Promise<EventLogContents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], skippedLines: 0 };
    throw error;
  }
  const events: JobEvent[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as JobEvent;
      if (typeof value?.type === 'string' && typeof value.ts === 'string') events.push(value);
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { events, skippedLines };
}
