// Reading a file of tasks (`jobline job create --tasks FILE`): a JSON array of
// { title, input?, dependsOn?, files? }, or else one task per non-empty line (its title and input).
import { UsageError } from '../errors.js';
import { describeJsonError } from '../text/json-error.js';

/** A task as a file lists it (the API's task input). */
export interface TaskFileEntry {
  title: string;
  input?: string;
  dependsOn?: string[];
  files?: string[];
}

/**
 * The tasks `text` (the contents of `file`) lists. Text that starts with `[` is JSON; anything
 * else is one task per non-empty line. @throws UsageError USAGE for JSON that is not an array of
 * tasks, naming the file and the entry.
 */
export function parseTaskFile(file: string, text: string): TaskFileEntry[] {
  if (!text.trimStart().startsWith('[')) return text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => ({ title: line.slice(0, 500), input: line }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError('USAGE', `${file} is not valid JSON: ${describeJsonError(error, text)}.`);
  }
  if (!Array.isArray(parsed)) throw new UsageError('USAGE', `${file} holds JSON but not an array of tasks.`);
  return parsed.map((entry: unknown, index) => {
    const task = entry as Partial<TaskFileEntry> | null;
    const isList = (value: unknown): value is string[] => value === undefined || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (typeof task !== 'object' || task === null || typeof task.title !== 'string' || task.title.trim() === '' || (task.input !== undefined && typeof task.input !== 'string') || !isList(task.dependsOn) || !isList(task.files)) {
      throw new UsageError('USAGE', `Task ${index + 1} of ${file} is not a task: each is { "title": "…", "input"?: "…", "dependsOn"?: ["title or id"], "files"?: ["path or glob"] }.`);
    }
    return { title: task.title, ...(task.input !== undefined ? { input: task.input } : {}), ...(task.dependsOn ? { dependsOn: task.dependsOn } : {}), ...(task.files ? { files: task.files } : {}) };
  });
}
