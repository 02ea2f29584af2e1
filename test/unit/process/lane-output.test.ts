// A lane's stream is cut into each command's output and end however the pipe splits it.
import { describe, expect, it } from 'vitest';
import { LaneOutputReader, type LaneOutputPart } from '../../../src/jobs/process/lane-output.js';

const MARK = Buffer.from('\x1ejobline-end-0123abcd:', 'latin1');

// Feeds `stream` cut at `cuts` and returns the parts, with adjacent output joined (how the pipe
// splits output is not what a reader sees).
function readInPieces(stream: Buffer, cuts: number[]): { output: string; ends: string[] }[] {
  const reader = new LaneOutputReader(MARK);
  const parts: LaneOutputPart[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    parts.push(...reader.push(stream.subarray(from, cut)));
    from = cut;
  }
  const commands: { output: string; ends: string[] }[] = [{ output: '', ends: [] }];
  for (const part of parts) {
    const current = commands.at(-1)!;
    if (part.kind === 'output') current.output += part.bytes.toString('latin1');
    else {
      current.ends.push(part.status);
      commands.push({ output: '', ends: [] });
    }
  }
  return commands;
}

const stream = Buffer.concat([
  Buffer.from('first line\nno newline', 'latin1'),
  MARK, Buffer.from('0\n'),
  // Output that looks like the start of a mark, but is not one.
  Buffer.from('\x1ejobline-end-\x1e\x1ejob', 'latin1'),
  MARK, Buffer.from('143\n'),
  MARK, Buffer.from('cwd\n'),
]);
const expected = [
  { output: 'first line\nno newline', ends: ['0'] },
  { output: '\x1ejobline-end-\x1e\x1ejob', ends: ['143'] },
  { output: '', ends: ['cwd'] },
  { output: '', ends: [] },
];

describe('LaneOutputReader', () => {
  it('finds every end, whole or cut in one place anywhere', () => {
    expect(readInPieces(stream, [])).toEqual(expected);
    for (let cut = 0; cut <= stream.length; cut++) expect(readInPieces(stream, [cut]), `cut at ${cut}`).toEqual(expected);
  });

  it('finds every end when the stream arrives a byte at a time, or cut in two random places', () => {
    expect(readInPieces(stream, [...stream.keys()])).toEqual(expected);
    for (let i = 0; i < 500; i++) {
      const cuts = [Math.floor(Math.random() * stream.length), Math.floor(Math.random() * stream.length)].sort((a, b) => a - b);
      expect(readInPieces(stream, cuts), `cuts at ${cuts.join(', ')}`).toEqual(expected);
    }
  });

  it('holds back only bytes that may begin a mark: other output is passed on as it comes', () => {
    const reader = new LaneOutputReader(MARK);
    expect(reader.push(Buffer.from('partial line'))).toEqual([{ kind: 'output', bytes: Buffer.from('partial line') }]);
    expect(reader.push(Buffer.from('abc\x1ejobline'))).toEqual([{ kind: 'output', bytes: Buffer.from('abc') }]);
    // The lane died there: what was held was output after all.
    expect(reader.takeHeld().toString('latin1')).toBe('\x1ejobline');
    // A record separator far from the end is output too.
    expect(reader.push(Buffer.from('a\x1eb and a long tail after it')).map((part) => part.kind === 'output' && part.bytes.toString())).toEqual(['a\x1eb and a long tail after it']);
  });
});
