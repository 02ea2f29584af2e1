// What is wrong with text that is not JSON, said without quoting the text: V8's messages quote it
// (`Unexpected token 'r', "root:x:0:0"... is not valid JSON`), and the text may be a file nobody
// should see echoed (a secret, a password file) or hold escape sequences. Line and column are
// what an editor needs, and they quote nothing.

/**
 * One phrase for the JSON.parse `error` raised on `text`: what went wrong and where (line and
 * column, 1-based), e.g. `unexpected character at line 3, column 7`. Never quotes the text.
 */
export function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const what = /Unexpected end|Unterminated string/.test(message)
    ? 'the text ends too soon'
    : /Unexpected token|"/.test(message)
      ? 'unexpected character'
      : message.replace(/( in JSON)? at position.*/s, '').replace(/\s*\(line \d+ column \d+\).*/s, '').slice(0, 100).toLowerCase();
  const offset = offsetOf(message) ?? findBadOffset(text);
  if (offset === null) return what;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${what} at line ${line}, column ${column}`;
}

// The offset V8 names (`at position N`; newer versions: `(line L column C)`), or null.
function offsetOf(message: string): number | null {
  const position = /position (\d+)/.exec(message);
  return position ? Number(position[1]) : null;
}

// The offset of the first character that makes `text` not JSON, found by parsing prefixes (a
// prefix that merely ends too soon is fine; one that holds the bad character fails otherwise):
// O(n log n), for messages that name no position. Null when the whole text only ends too soon.
function findBadOffset(text: string): number | null {
  const isBad = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = (error as Error).message;
      const offset = offsetOf(message);
      return offset !== null ? offset < length : !/Unexpected end|Unterminated string/.test(message);
    }
  };
  if (!isBad(text.length)) return text.length > 0 ? text.length : null;
  let low = 1;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (isBad(middle)) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}
