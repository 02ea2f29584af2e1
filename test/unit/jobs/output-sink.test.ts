// output.log stays bounded: past maxOutputBytes the oldest half is cut and a line says how much,
// so a runaway job keeps its newest output (where failures show) and never fills the disk.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputSink } from '../../../src/jobs/output-sink.js';
import { SecretScrubber } from '../../../src/text/secrets.js';
import { makeTempDir } from '../../helpers/temp.js';

describe('OutputSink', () => {
  it('keeps output.log under maxOutputBytes, keeping the tail and marking the cut', () => {
    const path = join(makeTempDir(), 'output.log');
    const sink = new OutputSink(path, () => {}, () => {}, { maxBytes: 64 * 1024 });
    for (let i = 0; i < 20_000; i++) sink.write(`line ${String(i).padStart(5, '0')} ${'x'.repeat(40)}\n`);
    sink.close();
    expect(statSync(path).size).toBeLessThanOrEqual(64 * 1024);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^… \[jobline\] \d+ bytes of earlier output were cut here \(maxOutputBytes is 65536\)\n/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(`line 19999 ${'x'.repeat(40)}`);
    const cut = Number(/(\d+) bytes/.exec(text)![1]);
    expect(cut + (text.length - text.indexOf('\n') - 1)).toBe(20_000 * 52); // every byte is kept or counted
  });

  it('never writes a key split across two chunks, and reports scrubbed lines', () => {
    const key = 'sk-test-0123456789abcdefghijklmnop';
    const path = join(makeTempDir(), 'output.log');
    const reported: string[] = [];
    const sink = new OutputSink(path, (lines) => reported.push(...lines), () => {}, { scrubber: new SecretScrubber([key]) });
    sink.write(`token=${key.slice(0, 10)}`);
    sink.write(`${key.slice(10)} done\n`);
    sink.close();
    expect(readFileSync(path, 'utf8')).toBe('token=*** done\n');
    expect(reported).toEqual(['token=*** done']);
  });
});
