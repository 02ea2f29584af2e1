// Tables and patterns of the model, the store and the text helpers that are built when their
// module loads: the order and words of task views, job id prefixes, answer files, the tasks log's
// name, kept colours, the job file's size limit, and the lookups' empty defaults.
//
// Each test loads the modules afresh (vi.resetModules), so the values it checks are the ones
// built now: mutation testing (Stryker) switches a change on per test, and a table built once,
// before that, would never show it. Run isolated (vitest.mutation.config.ts), so the fresh
// modules stay in this file. (model-constants.test.ts does the same for job.ts and task.ts.)
import { beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.resetModules();
});

describe('tables built when their module loads', () => {
  it('task views: running, failed, waiting, done, not run; and the words for each', async () => {
    const { TASK_STATUS_WORDS, TASK_VIEW_ORDER, sortTasksForView } = await import('../../../src/jobs/model/task-order.js');
    expect(TASK_VIEW_ORDER).toEqual(['claimed', 'failed', 'todo', 'done', 'cancelled']);
    expect(TASK_STATUS_WORDS).toEqual({ claimed: 'running', failed: 'failed', todo: 'waiting', done: 'done', cancelled: 'not-run' });
    const tasks = (['done', 'cancelled', 'todo', 'failed', 'claimed'] as const).map((status, index) => ({ id: `t${index + 1}`, status }));
    expect(sortTasksForView(tasks).map((task) => task.status)).toEqual(['claimed', 'failed', 'todo', 'done', 'cancelled']);
  });

  it('job id prefixes: every prefix of an id from its j, nothing else; ids resolve without names', async () => {
    const { isJobIdPrefix, resolveJobId } = await import('../../../src/jobs/model/job-id.js');
    for (const value of ['j', 'jo', 'job', 'job-', 'job-2', 'JOB-2ZX4ABCD', 'job-2zx4abcd']) expect(isJobIdPrefix(value), value).toBe(true);
    for (const value of ['', 'x', 'ob', 'xjob-1', 'job-2zx4abcd1', 'job-2zx4abcdx', 'jobs', 'job_1', 'job-2z_4', 'job-!']) expect(isJobIdPrefix(value), value).toBe(false);
    expect(resolveJobId('job-ab', ['job-ab12cd34'])).toBe('job-ab12cd34');
    expect(() => resolveJobId('mango', ['job-ab12cd34'])).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });

  it('answer files: answers/p<n>-a<n>[-t<n>].md only, read by an agent under job:', async () => {
    const { ANSWER_FILE_PATTERN, JOB_ANSWERS_PREFIX, formatAnswerFile } = await import('../../../src/jobs/model/answers.js');
    for (const name of [formatAnswerFile(0, 1), formatAnswerFile(9998, 999_999, 't999999999'), 'answers/p12-a4-t10.md']) expect(ANSWER_FILE_PATTERN.test(name), name).toBe(true);
    for (const name of ['x/answers/p1-a1.md', 'answers/p1-a1.md.bak', 'answers/pX-a1.md', 'answers/p1-aX.md', 'answers/p1-a1-tX.md', 'answers/p12345-a1.md', 'answers/p1-a1234567.md', 'answers/p1-a1-t1234567890.md']) expect(ANSWER_FILE_PATTERN.test(name), name).toBe(false);
    expect(JOB_ANSWERS_PREFIX).toBe('job:');
  });

  it("a job folder's tasks log is tasks.jsonl; a job file is refused past 8 MiB", async () => {
    const { TASK_LOG_FILE } = await import('../../../src/store/task-log.js');
    const { MAX_JOB_FILE_BYTES } = await import('../../../src/store/job-file.js');
    expect(TASK_LOG_FILE).toBe('tasks.jsonl');
    expect(MAX_JOB_FILE_BYTES).toBe(8 * 1024 * 1024);
  });

  it('kept colours: SGR sequences with any parameters stay, nothing else', async () => {
    const { sanitizeText } = await import('../../../src/text/inert-text.js');
    expect(sanitizeText('\u001b[1;31mred\u001b[0m \u001b[38:5:2mgreen\u001b[m\u001b]52;c;eA==\u0007\u001b[2J', { keepColours: true })).toBe('\u001b[1;31mred\u001b[0m \u001b[38:5:2mgreen\u001b[m');
  });

  it('looking a job up with nothing held finds the folder\'s jobs', async () => {
    const { resolveJob } = await import('../../../src/jobs/service/job-lookup.js');
    const reader = { exists: () => false, listIds: async () => ['job-ab12cd34'], names: { list: () => [], idOf: () => null }, list: async () => ({ jobs: [], warnings: [], total: 0, matching: 0 }) };
    expect(await resolveJob('job-ab', reader as never)).toBe('job-ab12cd34');
  });
});
