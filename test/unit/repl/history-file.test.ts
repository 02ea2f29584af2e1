import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_SIZE, appendHistory, getHistoryPath, loadHistory } from '../../../src/repl/history-file.js';
import { makeTempDir } from '../../helpers/temp.js';

describe('history file', () => {
  it('lives in the XDG data folder, else ~/.local/share', () => {
    expect(getHistoryPath({ HOME: '/home/ada' })).toBe('/home/ada/.local/share/jobline/history');
    expect(getHistoryPath({ HOME: '/home/ada', XDG_DATA_HOME: '/data' })).toBe('/data/jobline/history');
  });

  it('appends lines privately and reads them back most recent first, trimmed to its size', () => {
    const path = join(makeTempDir(), 'jobline', 'history');
    expect(loadHistory(path)).toEqual([]);
    for (let i = 0; i < HISTORY_SIZE * 2 + 5; i++) appendHistory(path, `line ${i}`);
    appendHistory(path, '   ');
    const history = loadHistory(path);
    expect(history).toHaveLength(HISTORY_SIZE);
    expect(history[0]).toBe(`line ${HISTORY_SIZE * 2 + 4}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThanOrEqual(HISTORY_SIZE * 2 + 1);
  });
});
