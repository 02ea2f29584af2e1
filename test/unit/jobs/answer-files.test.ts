// The names of whole answers' files (answers.ts): what a job.json may name as a phase's answer
// file, and what an LLM agent's read_file may read outside its workspace (job:answers/…). A name
// of any other shape is refused, so a hostile job.json cannot point a reader at another file.
import { describe, expect, it } from 'vitest';
import { ANSWER_FILE_PATTERN, JOB_ANSWERS_PREFIX, formatAnswerFile } from '../../../src/jobs/model/answers.js';

describe('the names of answer files', () => {
  it('are those formatAnswerFile makes: phase, attempt, and the task of a phase of several', () => {
    for (const name of [formatAnswerFile(0, 1), formatAnswerFile(1, 3, 't7'), formatAnswerFile(9998, 999_999, 't999999999'), 'answers/p1-a1.md', 'answers/p12-a4-t10.md']) {
      expect(ANSWER_FILE_PATTERN.test(name), name).toBe(true);
    }
    expect(formatAnswerFile(1, 3, 't7')).toBe('answers/p2-a3-t7.md');
  });

  it('refuse every other shape: another folder, a path around one, letters for numbers, numbers too long', () => {
    for (const name of [
      '../answers/p1-a1.md', 'x/answers/p1-a1.md', 'answers/p1-a1.md/../../job.json', 'answers/p1-a1.mdx', 'answers/p1-a1.md\n',
      'answers/pX-a1.md', 'answers/p1-aX.md', 'answers/p1-a1-tX.md', 'answers/p1-a1-t.md', 'answers/p-a1.md', 'answers/p1-a.md',
      'answers/p12345-a1.md', 'answers/p1-a1234567.md', 'answers/p1-a1-t1234567890.md', 'answers/p1-a1-7.md', 'answers/p1-a1.txt',
    ]) {
      expect(ANSWER_FILE_PATTERN.test(name), name).toBe(false);
    }
  });

  it('are read by an agent under job:', () => {
    expect(`${JOB_ANSWERS_PREFIX}${formatAnswerFile(1, 1)}`).toBe('job:answers/p2-a1.md');
  });
});
