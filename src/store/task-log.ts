// tasks.jsonl: a job's journal of tasks and runs, an append-only log of whole records, one JSON
// object per line (see TaskRecord). A change appends only the records it changed, so its cost does
// not grow with the number of tasks; a reader folds the log (model/task-history.ts). Each write's
// records are appended and fsynced before job.json is replaced (one fsync for a whole window of
// changes: a group commit), so a run's start is durable before its command starts and a task's
// end before it is reported. A write that fails after its append cuts its records off again; a
// crash between the two leaves records beyond job.json's seq, which a reader applies as the
// journal says (foldTaskRecords). A board written whole replaces the file (atomically).
// A run's start is written by the thread that runs it, right before its command starts (see
// PhaseRequest.startRecord): one line holding the group of records, committed by being there
// whole, whatever job.json says (a reader takes its records as committed: seq 0). Such a start
// counts once the run's start mark follows it (written by the command's own shell right before
// it execs, see ShellRequest.startMark), or any later record of the run: a start a crash cut off
// between its record and its command never began, and is left out.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { OUTPUT_FILE, RUN_OUTPUT_FILE_PATTERN, TASK_STATUSES, type TaskRecord } from '../jobs/model/task.js';

// The lines are written by task-log-lines.ts, which the worker and write threads import without this
// file's zod.
export { appendTaskRecordLines, formatRecordGroupLine, formatStartMarkLine, formatTaskRecordLines } from './task-log-lines.js';

/** File name of the log, in the job's folder. */
export const TASK_LOG_FILE = 'tasks.jsonl';

/** Largest tasks.jsonl read (bytes): far beyond any job jobline writes; a larger file is refused unread. */
export const MAX_TASK_LOG_BYTES = 64 * 1024 * 1024;

// Strict where jobline writes a fixed shape (ids, times, names are printed as they are); free text
// (titles, inputs, results, errors) is made inert where it is printed.
// Built at the first read of a task log, not at startup (see docs/PERFORMANCE.md, startup).
function buildRecordSchema() {
  const ISO = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/);
  const TASK_ID = z.string().regex(/^t\d{1,9}$/);
  const taskSchema = z.object({
    id: TASK_ID,
    phase: z.number().int().min(0),
    title: z.string().max(10_000),
    input: z.string(),
    status: z.enum(TASK_STATUSES),
    dependsOn: z.array(TASK_ID),
    claims: z.array(z.string().max(4096)),
    attempts: z.number().int().min(0),
    result: z.string().nullable(),
    filesModified: z.array(z.string().max(4096)),
    isPlanned: z.boolean().optional(),
  });
  const runSchema = z.object({
    id: z.string().regex(/^r\d{1,9}$/),
    taskId: TASK_ID,
    attempt: z.number().int().min(1),
    // `sh[ab12-0]`, and `@<name>` of the remote worker that took it (see REMOTE_WORKER_NAME_PATTERN).
    worker: z.string().regex(/^[A-Za-z0-9_.-]{1,64}\[[a-z0-9]{1,4}-\d{1,6}\](@[A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/),
    startedAt: ISO,
    state: z.discriminatedUnion('status', [
      z.object({ status: z.literal('running') }),
      z.object({ status: z.literal('succeeded'), endedAt: ISO }),
      z.object({ status: z.literal('failed'), endedAt: ISO, error: z.string() }),
      z.object({ status: z.literal('cancelled'), endedAt: ISO }),
      z.object({ status: z.literal('interrupted'), endedAt: ISO, reason: z.string() }),
    ]),
    output: z.object({ file: z.union([z.literal(OUTPUT_FILE), z.string().regex(RUN_OUTPUT_FILE_PATTERN)]), section: z.string().max(400) }),
    filesModified: z.array(z.string().max(4096)).max(10_000).optional(),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    usage: z.object({ input: z.number().int().min(0), output: z.number().int().min(0), cached: z.number().int().min(0), costUsd: z.number().min(0).optional() }).optional(),
    waitingFor: z.array(z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/)).max(16).optional(),
  });
  const single = [
    z.object({ kind: z.literal('task'), seq: z.number().int().min(0), task: taskSchema, removed: z.literal(true).optional() }),
    z.object({ kind: z.literal('run'), seq: z.number().int().min(0), run: runSchema }),
  ] as const;
  const RUN_ID = z.string().regex(/^r\d{1,9}$/);
  const recordSchema = z.discriminatedUnion('kind', [
    ...single,
    z.object({ kind: z.literal('group'), start: RUN_ID.optional(), records: z.array(z.discriminatedUnion('kind', [...single])).max(1000) }),
    z.object({ kind: z.literal('started'), run: RUN_ID }),
  ]);
  return recordSchema;
}

let builtRecordSchema: ReturnType<typeof buildRecordSchema> | undefined;

/** The records read back from a log, and how many lines were skipped (torn, or not jobline's shape). */
export interface TaskLogContents {
  records: TaskRecord[];
  skippedLines: number;
}

/**
 * Reads the log at `path`, or null when there is none (a job written before tasks existed).
 * Never follows a symbolic link. @throws the fs error other than ENOENT; Error for a file over
 * MAX_TASK_LOG_BYTES.
 */
export function readTaskRecords(path: string): TaskLogContents | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let text: string;
  try {
    if (fstatSync(fd).size > MAX_TASK_LOG_BYTES) throw new Error(`${path} is larger than any task log jobline writes`);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  // Lines in order; a start group's records wait for their run's confirmation (see above).
  type Line = { records: TaskRecord[]; start?: string };
  const lines: Line[] = [];
  const confirmed = new Set<string>();
  const lastLineOf = new Map<string, number>();
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = (builtRecordSchema ??= buildRecordSchema()).safeParse(JSON.parse(line));
      if (!parsed.success) skippedLines++;
      else if (parsed.data.kind === 'started') confirmed.add(parsed.data.run);
      // A group's records are committed by their line (see above): whatever their seq, they count.
      else if (parsed.data.kind === 'group') lines.push({ records: parsed.data.records.map((record) => ({ ...(record as TaskRecord), seq: 0 })), ...(parsed.data.start ? { start: parsed.data.start } : {}) });
      else lines.push({ records: [parsed.data as TaskRecord] });
    } catch {
      skippedLines++;
    }
  }
  lines.forEach((line, index) => {
    for (const record of line.records) if (record.kind === 'run') lastLineOf.set(record.run.id, index);
  });
  const records: TaskRecord[] = [];
  lines.forEach((line, index) => {
    if (line.start && !confirmed.has(line.start) && (lastLineOf.get(line.start) ?? index) <= index) return;
    records.push(...line.records);
  });
  return { records, skippedLines };
}
