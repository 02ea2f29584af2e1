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

describe('describeJsonError, exactly', () => {
  it.each([
    ['', 'the text ends too soon'],
    ['"unterminated secret', 'the text ends too soon at line 1, column 21'],
    ['{"a":', 'the text ends too soon at line 1, column 6'],
    ['[1,\n2,\n', 'the text ends too soon at line 3, column 1'],
    ['{"a": tru}', 'unexpected character at line 1, column 10'],
    ['{\n  "a": [1, 2,, 3]\n}', 'unexpected character at line 2, column 14'],
    ['\n\n   x', 'unexpected character at line 3, column 4'],
  ])('says of %j: %s', (text, expected) => {
    expect(describe_(text)).toBe(expected);
  });

  // Newer V8 versions add `(line L column C)` to a message; some name no position at all. Either
  // way the phrase keeps what went wrong and says where once, in its own words.
  it('reads the messages of other V8 versions: a position with line and column, or line and column alone', () => {
    const withBoth = new SyntaxError("Expected ',' or '}' after property value in JSON at position 6 (line 1 column 7)");
    expect(describeJsonError(withBoth, '{"a":1')).toBe("expected ',' or '}' after property value at line 1, column 7");
    const lineOnly = new SyntaxError('Bad control character in string literal (line 2 column 4)');
    expect(describeJsonError(lineOnly, '{\n "a\u0001"}')).toBe('bad control character in string literal at line 2, column 4');
    // Not an Error at all: its text, and where the text goes wrong, found by parsing it.
    expect(describeJsonError('Weird failure', '{"a": x}')).toBe('weird failure at line 1, column 7');
    // A text that is whole JSON (the error came from elsewhere): where it ends.
    expect(describeJsonError(new SyntaxError('Odd'), '{"a": 1}')).toBe('odd at line 1, column 9');
    expect(describeJsonError(new SyntaxError('Odd'), '')).toBe('odd');
    // Line and column of any length are dropped from the phrase, however they are spaced; the
    // phrase keeps at most 100 characters of the message.
    const farAway = new SyntaxError('Bad control character in string literal (line 12 column 40)');
    expect(describeJsonError(farAway, '{"a": 1}')).toBe('bad control character in string literal at line 1, column 9');
    expect(describeJsonError(new SyntaxError('Odd(line 1 column 2)'), '')).toBe('odd');
    expect(describeJsonError(new SyntaxError(`Odd ${'x'.repeat(200)}`), '')).toBe(`odd ${'x'.repeat(96)}`);
  });
});
