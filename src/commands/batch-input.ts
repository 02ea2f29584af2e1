// What a batch is made of, for `jobline batch` and the REPL's /batch alike: its lines (one task
// each) and the prompt that describes the whole job.

/** The non-empty lines of `text` (CRLF or LF), each one task's input, as written. */
export function parseBatchLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

/** The prompt of a batch job: `batch of 3 lines from prompts.txt`. */
export function describeBatch(lineCount: number, from: string): string {
  return `batch of ${lineCount} line${lineCount === 1 ? '' : 's'} from ${from}`;
}
