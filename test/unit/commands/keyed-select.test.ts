// A question closed by its owner (the job was approved elsewhere) is drawn closed once, even when
// a redraw is asked for while enquirer is still closing it.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openKeyedSelect } from '../../../src/commands/keyed-select.js';

describe('openKeyedSelect', () => {
  it('draws a question closed by its owner once, whatever redraws come while it closes', async () => {
    const stdout = Object.assign(new PassThrough(), { columns: 80, rows: 24, isTTY: true }) as unknown as NodeJS.WriteStream;
    let drawn = '';
    (stdout as unknown as PassThrough).on('data', (chunk: Buffer) => (drawn += chunk.toString()));
    let footer = 'no updates waiting';
    const question = await openKeyedSelect({ message: 'job-x: what next?', choices: [{ name: 'approve', message: 'Continue', key: 'c' }], stdout, footer: () => footer });
    await new Promise((resolve) => setImmediate(resolve)); // its first drawing
    question.close();
    footer = '1 update waiting';
    question.refresh(); // the held-updates count changed just as it closed
    expect(await question.answer).toBeNull();
    question.refresh(); // and after: nothing more is drawn
    const text = drawn.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(text.split('✖ job-x: what next?')).toHaveLength(2); // drawn closed exactly once
  });
});
