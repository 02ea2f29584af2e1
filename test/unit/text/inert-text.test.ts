// Text a job produced made inert before a terminal or a log line shows it: every escape sequence
// and control character goes but tab and newline; colours stay only when asked, each piece between
// two colours cleaned on its own so that no sequence is pieced together across a kept one.
import { describe, expect, it } from 'vitest';
import { sanitizeLine, sanitizeText } from '../../../src/text/inert-text.js';

describe('sanitizeText', () => {
  it('removes escape sequences and every control character but tab and newline', () => {
    expect(sanitizeText('ok\u001b]52;c;ZXZpbA==\u0007 \u001b[2J\u001b[H\u001b]0;pwned\u0007done\r\u0008\u009b')).toBe('ok done');
    const controls = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('');
    expect(sanitizeText(`a${controls}\u007f\u0080\u009fb`)).toBe('a\t\nb');
    expect(sanitizeText('tab\tand\nnewline stay, é and 漢 too')).toBe('tab\tand\nnewline stay, é and 漢 too');
  });

  it('keeps colours when asked, and nothing else', () => {
    const coloured = '\u001b[31mred\u001b[0m \u001b[38;2;1;2;3mrgb\u001b[m \u001b[1:4mx';
    expect(sanitizeText(coloured, { keepColours: true })).toBe(coloured);
    expect(sanitizeText(coloured)).toBe('red rgb x');
    expect(sanitizeText('\u001b]52;c;\u001b[31mZXZp\u0007 \u009b2J\u001b[?1049h\u001b[2;1H\u001b[32mok\u001b[0m', { keepColours: true })).toBe(']52;c;\u001b[31mZXZp \u001b[32mok\u001b[0m');
    expect(sanitizeText('\u001b\u001b[31mx', { keepColours: true })).toBe('\u001b[31mx');
    expect(sanitizeText('before\u0007\u001b[31mmid\u0007\u001b[0mafter\u0007', { keepColours: true })).toBe('before\u001b[31mmid\u001b[0mafter');
    expect(sanitizeText('plain', { keepColours: true })).toBe('plain');
    expect(sanitizeText('', { keepColours: true })).toBe('');
  });
});

describe('sanitizeLine', () => {
  it('folds the text onto one trimmed line: runs of tabs and newlines become one space', () => {
    expect(sanitizeLine('a\n\tb')).toBe('a b');
    expect(sanitizeLine('\n  one\n\n\ttwo\u001b[31m three \n')).toBe('one two three');
    expect(sanitizeLine('a \n b')).toBe('a   b');
  });
});
