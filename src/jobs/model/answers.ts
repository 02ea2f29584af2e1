// Long answers: what job.json keeps of a phase's answer (its start and end, with a line saying
// how much is cut and where the whole is), and the file in the job's folder that holds it whole.
// A model's 10 MB answer would otherwise make a 10 MB job.json, which readers refuse. Pure.

/** Most characters of a phase's answer kept in job.json; past it the whole goes to a file. */
export const MAX_STORED_ANSWER_CHARS = 16_000;

/** Names of the files that hold whole answers, in the job's folder (`answers/p2-a1.md`, `answers/p3-a1-t7.md`). */
export const ANSWER_FILE_PATTERN = /^answers\/p\d{1,4}-a\d{1,6}(-t\d{1,9})?\.md$/;

/** The answer file of attempt `attempt` of phase `phaseIndex` (0-based), of task `taskId` when the phase has several. */
export function formatAnswerFile(phaseIndex: number, attempt: number, taskId?: string): string {
  return `answers/p${phaseIndex + 1}-a${attempt}${taskId ? `-${taskId}` : ''}.md`;
}

/**
 * The path under which an LLM agent's read_file reads the job's answer files (`job:answers/p2-a1.md`):
 * they are outside its workspace, and only these are readable there.
 */
export const JOB_ANSWERS_PREFIX = 'job:';

/**
 * `answer` cut to at most `max` characters (plus the note): its first three quarters and its
 * last quarter, with a line between saying how many characters were cut and where the whole is.
 * Unchanged when it fits.
 */
export function cutAnswer(answer: string, whereWhole: string, max = MAX_STORED_ANSWER_CHARS): string {
  if (answer.length <= max) return answer;
  const head = Math.floor((max * 3) / 4);
  const tail = max - head;
  return `${answer.slice(0, head)}\n… [jobline] ${answer.length - max} characters of this answer are cut here; the whole answer is in ${whereWhole}\n${answer.slice(-tail)}`;
}
