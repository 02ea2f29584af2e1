// Following output.log without a signal to stop it: it waits between reads until the job ends,
// then hands out the rest.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followLog } from '../../../src/store/output-log.js';
import { makeTempDir } from '../../helpers/temp.js';

describe('following a log without a signal', () => {
  it('waits for more while the job runs, and ends with it, every line handed out once', async () => {
    const path = join(makeTempDir(), 'output.log');
    writeFileSync(path, 'one\n');
    const lines: string[] = [];
    let checks = 0;
    const isEnded = (): boolean => {
      checks++;
      // The job writes more, and ends, only after the follower has found nothing new twice.
      if (checks === 2) appendFileSync(path, 'two\nthree');
      return checks > 2;
    };
    expect(await followLog(path, { onLines: (batch) => lines.push(...batch), isEnded, pollMs: 1 })).toBe(true);
    expect(lines).toEqual(['one', 'two', 'three']);
    expect(checks).toBe(3);
  });
});
