// A task's files (its claims, a worker's files) are paths or globs relative to the job's folder and
// inside it: checked the same wherever they enter (the API, jobline job/task, an agent's plan).
import { describe, expect, it } from 'vitest';
import { assertTaskPlanFiles, findClaimPathProblem } from '../../../src/jobs/model/claims.js';

describe('findClaimPathProblem', () => {
  it.each(['src', 'src/a.ts', './b', '.', 'docs/**', '*.md', 'a..b', '..a/x', 'x/.../y'])('accepts %j', (path) => {
    expect(findClaimPathProblem(path)).toBeNull();
  });

  it.each([
    ['', 'not empty'],
    ['  ', 'not empty'],
    ['/etc/passwd', '"/etc/passwd" is absolute'],
    ['..', 'leaves the job\'s folder'],
    ['../x', 'leaves the job\'s folder'],
    ['src/../../x', 'leaves the job\'s folder'],
    ['src/..', 'leaves the job\'s folder'],
    ['a\nb', 'a NUL or a line break'],
    ['a\0b', 'a NUL or a line break'],
  ])('refuses %j, saying why', (path, why) => {
    expect(findClaimPathProblem(path)).toContain(why);
  });

  it('names the task whose files are refused', () => {
    expect(() => assertTaskPlanFiles([{ title: 'ok', claims: ['src'] }, { title: 'bad one', claims: ['../up'] }])).toThrow(expect.objectContaining({ code: 'FILES_INVALID', message: expect.stringContaining('The files of task "bad one": "../up" leaves') }));
  });
});
