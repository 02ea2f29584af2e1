// output.log stays bounded: past maxOutputBytes the oldest half is cut and a line says how much,
// so a runaway job keeps its newest output (where failures show) and never fills the disk.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputSink } from '../../../src/jobs/runtime/output-sink.js';
import { formatPhaseHeader, PHASE_HEADER_PATTERN } from '../../../src/jobs/model/task.js';
import { SecretScrubber } from '../../../src/text/secrets.js';
import { makeTempDir } from '../../helpers/temp.js';

describe('OutputSink', () => {
  it('starts every header and activity on a line of its own, across sinks and after output without a newline', () => {
    const path = join(makeTempDir(), 'output.log');
    const reported: string[] = [];
    const first = new OutputSink(path, (lines) => reported.push(...lines));
    first.appendLine(formatPhaseHeader({ index: 0, count: 2, name: 'first', attempt: 1 }, new Date('2026-12-01T17:45:02.123Z')));
    first.write('no newline at end');
    first.close();
    const second = new OutputSink(path, (lines) => reported.push(...lines), () => {}, { scrubber: new SecretScrubber(['sk-secret-123456789']) });
    second.appendLine(formatPhaseHeader({ index: 1, count: 2, name: 'second', attempt: 3 }, new Date('2026-12-01T17:45:03Z')));
    second.write('half');
    second.appendLine('🔧 edit_file(a.ts)');
    second.write(' a line\n');
    second.close();
    expect(readFileSync(path, 'utf8')).toBe([
      '── phase 1/2 first · attempt 1 · 2026-12-01 17:45:02 UTC ──',
      'no newline at end',
      '── phase 2/2 second · attempt 3 · 2026-12-01 17:45:03 UTC ──',
      'half',
      '🔧 edit_file(a.ts)',
      ' a line',
      '',
    ].join('\n'));
    expect(reported).toEqual(['no newline at end', 'half a line']); // headers are not output
    expect(PHASE_HEADER_PATTERN.test(formatPhaseHeader({ index: 0, count: 1, name: 'run', attempt: 1 }, new Date()))).toBe(true);
  });

  it('creates a run\'s own file with its first output, header first; a run that prints nothing leaves none', () => {
    const dir = makeTempDir();
    const header = formatPhaseHeader({ index: 0, count: 1, name: 'run', attempt: 1 }, new Date('2026-12-01T17:45:02Z'));
    const silent = new OutputSink(join(dir, 'r1.log'), () => {}, () => {}, { isCreatedOnFirstWrite: true });
    silent.writeHeader(header);
    silent.write('');
    silent.close();
    expect(existsSync(join(dir, 'r1.log'))).toBe(false);
    const chatty = new OutputSink(join(dir, 'r2.log'), () => {}, () => {}, { isCreatedOnFirstWrite: true });
    chatty.writeHeader(header);
    expect(existsSync(join(dir, 'r2.log'))).toBe(false);
    chatty.write('first');
    chatty.appendLine('🔧 activity');
    chatty.close();
    expect(readFileSync(join(dir, 'r2.log'), 'utf8')).toBe(`${header}\nfirst\n🔧 activity\n`);
    // An activity alone is content too: it creates the file.
    const busy = new OutputSink(join(dir, 'r3.log'), () => {}, () => {}, { isCreatedOnFirstWrite: true });
    busy.writeHeader(header);
    busy.appendLine('🔧 activity');
    busy.close();
    expect(readFileSync(join(dir, 'r3.log'), 'utf8')).toBe(`${header}\n🔧 activity\n`);
  });

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
