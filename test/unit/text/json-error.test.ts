// Saying what is wrong with text that is not JSON without quoting it: V8's own messages quote the
// text (a password file read as a config would come back in the error), so only what went wrong
// and where (line, column) is said.
import { describe, expect, it } from 'vitest';
import { describeJsonError } from '../../../src/text/json-error.js';

function describe_(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return describeJsonError(error, text);
  }
  throw new Error('parsed');
}

describe('describeJsonError', () => {
  it.each([
    ['root:x:0:0:root:/root:/bin/bash\n', 'unexpected character at line 1, column 1'],
    ['{\n  "a": secret-value\n}', 'unexpected character at line 2, column 8'],
    ['{\n  "mode": "background",\n}', 'at line 3, column 1'],
    ['{"a":1', "expected ',' or '}' after property value at line 1, column 7"],
    ['"unterminated secret', 'the text ends too soon'],
    ['{"a":1}} trailing-secret', 'unexpected non-whitespace character after json at line 1, column 8'],
    ['', 'the text ends too soon'],
  ])('says where %j goes wrong, quoting none of it', (text, expected) => {
    const said = describe_(text);
    expect(said).toContain(expected);
    for (const secret of ['root', 'secret', 'bash', 'background']) expect(said).not.toContain(secret);
  });
});
