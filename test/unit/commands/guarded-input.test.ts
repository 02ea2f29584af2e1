// GuardedInput: what a one-key question reads when typing must not answer it. Keys go to the
// question one at a time; the first key meant elsewhere, with everything after it, goes back to
// stdin for its next reader, and nothing typed is lost or handed on twice.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GuardedInput, firstKey } from '../../../src/commands/guarded-input.js';
import { waitFor } from '../../helpers/wait.js';

function fakeStdin(): PassThrough & NodeJS.ReadStream {
  return Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode() {} }) as unknown as PassThrough & NodeJS.ReadStream;
}

describe('firstKey', () => {
  it('takes an escape sequence whole, a lone Escape, and one character (a surrogate pair too)', () => {
    expect(firstKey('\x1b[Abc')).toBe('\x1b[A');
    expect(firstKey('\x1bOBx')).toBe('\x1bOB');
    expect(firstKey('\x1b[1;5Cx')).toBe('\x1b[1;5C');
    expect(firstKey('\x1b')).toBe('\x1b');
    expect(firstKey('/cancel')).toBe('/');
    expect(firstKey('😀x')).toBe('😀');
    expect(firstKey('\rx')).toBe('\r');
  });
});

describe('GuardedInput', () => {
  it('hands keys to the question one at a time, and puts the first key meant elsewhere back into stdin with the rest', async () => {
    const stdin = fakeStdin();
    let elsewhere = 0;
    const input = new GuardedInput(stdin, (key) => (key === '/' ? 'elsewhere' : 'question'), () => elsewhere++);
    const handed: string[] = [];
    input.on('data', (chunk: Buffer) => handed.push(chunk.toString()));
    input.resume();
    stdin.write('\x1b[Bc/cancel ab12\r');
    await waitFor(() => elsewhere === 1, 'the key meant elsewhere');
    expect(handed).toEqual(['\x1b[B', 'c']);
    expect(stdin.read()?.toString()).toBe('/cancel ab12\r'); // for the next reader, whole
    stdin.write('more');
    expect(handed).toHaveLength(2); // released: nothing more is read
    input.resume(); // a late resume (readline's) does not take stdin again
    expect(stdin.listenerCount('data')).toBe(0);
  });

  it('gives back the keys it has not handed on when released (the question was answered)', async () => {
    const stdin = fakeStdin();
    const input = new GuardedInput(stdin, () => 'question', () => {});
    const handed: string[] = [];
    input.on('data', (chunk: Buffer) => {
      handed.push(chunk.toString());
      input.release(); // the first key answered it
    });
    input.resume();
    stdin.write('cxyz');
    await waitFor(() => handed.length === 1, 'the answer');
    expect(handed).toEqual(['c']);
    expect(stdin.read()?.toString()).toBe('xyz');
  });

  it('stays attached when paused (after Ctrl+Z and fg stdin is resumed for it)', () => {
    const stdin = fakeStdin();
    const input = new GuardedInput(stdin, () => 'question', () => {});
    input.resume();
    input.pause();
    expect(stdin.listenerCount('data')).toBe(1);
    expect(stdin.isPaused()).toBe(true);
    input.release();
    expect(stdin.listenerCount('data')).toBe(0);
  });
});
