// A job's whole output in time order, for `jobline logs`, /logs and the API: the phases of one
// task as output.log holds them, and the runs of a phase of several tasks (runs/rN.log), each of
// whose lines is marked with its task. Lines carry no time of their own, so the order is decided
// per run: runs in the order they started (then by number), each run's lines together, under one
// header per phase attempt. Followed, new lines are given in the order they are read (every poll:
// output.log first, then each running run's file in start order), so lines of runs side by side
// interleave as they came, to within a poll.
import type { OutputFollower, JobReader } from '../ports/job-reader.js';
import { OUTPUT_FILE, PHASE_HEADER_PATTERN, isFailedRun, type Run, type Task, type TaskBoard } from '../model/task.js';

/** Which runs a transcript shows: all of them, those of one task, or the failed ones (see isFailedRun). */
export type TranscriptFilter = { kind: 'all' } | { kind: 'task'; taskId: string } | { kind: 'failed' };

/**
 * One line of a transcript: a phase attempt's header (`── phase 1/2 checks · attempt 1 · … UTC ──`),
 * the start of a run (views of some runs: one task's, the failed ones), or a line the job printed,
 * with the task that printed it when its phase runs several tasks (`t35 │ …` on screen).
 */
export type TranscriptLine = { kind: 'header'; text: string } | { kind: 'run'; run: Run; task: Task } | { kind: 'output'; text: string; taskId?: string };

/** Receives each batch of transcript lines, in order. */
export type TranscriptListener = (lines: TranscriptLine[]) => void;

// A run being followed: its file's follower, and whether the file's first line (a phase header,
// replaced by the transcript's own) is still to come.
interface FollowedRun {
  follower: OutputFollower;
  isHeaderAhead: boolean;
}

/**
 * One reader of a job's transcript: `read` gives what is there (all of it, or its last lines),
 * `poll` what came since, `finish` the rest once the job (or the runs shown) ended. Each line is
 * given once. Not safe for concurrent calls: a caller awaits each before the next.
 */
export class JobTranscript {
  /** Runs whose output was given or is being followed (a run of the failed view: once it failed). */
  private readonly given = new Set<string>();
  private readonly followed = new Map<string, FollowedRun>();
  /** output.log from where `read` left it: the new lines of phases of one task (all runs, or one task's). */
  private logFollower: OutputFollower | null = null;
  /** The phase attempt (`phase 1/2 checks · attempt 1`) whose header opened the latest lines given. */
  private lastSection: string | null = null;
  /** Lines naming runs (views of some runs) not given yet: each waits for its run's first lines. */
  private readonly headings = new Map<string, TranscriptLine>();

  constructor(
    private readonly reader: JobReader,
    /** The job, by full id. */
    readonly jobId: string,
    readonly filter: TranscriptFilter,
  ) {}

  /**
   * Gives what the job has printed so far, runs in time order: everything (`maxLines` null), or
   * its last `maxLines` lines (about: headers do not count). Resolves whether earlier lines were
   * left out. @throws StoreError JOB_FILE_CORRUPT for a run naming a file jobline does not write.
   */
  async read(board: TaskBoard, maxLines: number | null, onLines: TranscriptListener): Promise<{ hasEarlier: boolean }> {
    const wanted = this.wantedRuns(board);
    // A job whose phases each ran one task (or whose runs of several printed nothing yet) is
    // output.log as written: its headers, its cuts, all of it.
    if (this.filter.kind === 'all' && wanted.every((run) => run.output.file === OUTPUT_FILE)) return this.readOutputLog(wanted, maxLines, onLines);
    // output.log is followed from its end now, or from where a phase's section read ends.
    if (this.filter.kind === 'all') this.logFollower = await this.reader.outputFollower(this.jobId);
    const pieces: Array<{ run: Run; lines: string[]; hasEarlier: boolean }> = [];
    let budget = maxLines ?? Number.POSITIVE_INFINITY;
    let index = wanted.length - 1;
    // From the newest run back, while lines are wanted: a tail reads only the runs it shows.
    for (; index >= 0 && budget > 0; index--) {
      const run = wanted[index]!;
      const piece = await this.readRun(run, budget);
      pieces.unshift({ run, ...piece });
      budget -= piece.lines.length;
    }
    const leftOut = index + 1;
    // Runs left out of a tail still run on: followed from their end, their lines to come.
    for (; index >= 0; index--) {
      const run = wanted[index]!;
      this.given.add(run.id);
      if (run.state.status === 'running' && run.output.file !== OUTPUT_FILE) {
        const { size } = await this.reader.readRunOutput(this.jobId, run, 0);
        this.followed.set(run.id, { follower: this.reader.runOutputFollower(this.jobId, run, size), isHeaderAhead: size === 0 });
      }
    }
    const tasks = new Map(board.tasks.map((task) => [task.id, task]));
    const lines: TranscriptLine[] = [];
    for (const piece of pieces) {
      this.open(piece.run, tasks);
      lines.push(...this.outputOf(piece.run, piece.lines, true));
    }
    if (lines.length > 0) onLines(lines);
    return { hasEarlier: leftOut > 0 || (pieces[0]?.hasEarlier ?? false) };
  }

  /** The lines printed since the last call, of the runs `board` shows (new runs included). */
  async poll(board: TaskBoard): Promise<TranscriptLine[]> {
    return this.take(board, false);
  }

  /** Everything left, a last unterminated line of each run included (the job, or its runs shown, ended). */
  async finish(board: TaskBoard): Promise<TranscriptLine[]> {
    return this.take(board, true);
  }

  private async take(board: TaskBoard, isFinal: boolean): Promise<TranscriptLine[]> {
    const lines: TranscriptLine[] = [];
    // output.log's new lines from a header on belong to a phase that began after the runs read
    // below: they come after those runs' lines.
    const logLines = this.logFollower ? (isFinal ? await this.logFollower.drain() : await this.readAll(this.logFollower)) : [];
    const laterAt = logLines.findIndex((text) => PHASE_HEADER_PATTERN.test(text));
    const later = laterAt === -1 ? [] : logLines.splice(laterAt);
    for (const text of logLines) lines.push(this.fromOutputLog(text));
    const tasks = new Map(board.tasks.map((task) => [task.id, task]));
    for (const run of this.wantedRuns(board)) {
      const isEnded = isFinal || run.state.status !== 'running';
      if (!this.given.has(run.id)) {
        this.given.add(run.id);
        // Phases of one task come through output.log's follower (all runs) or are read whole.
        if (run.output.file === OUTPUT_FILE && this.filter.kind === 'all') continue;
        if (!isEnded && this.filter.kind === 'task' && run.output.file === OUTPUT_FILE) {
          const { lines: sofar, size } = await this.reader.readRunOutput(this.jobId, run, Number.MAX_SAFE_INTEGER);
          this.open(run, tasks);
          lines.push(...this.outputOf(run, withoutHeader(sofar, false), true));
          this.logFollower = await this.reader.outputFollower(this.jobId, size);
          continue;
        }
        if (run.output.file === OUTPUT_FILE) {
          const { lines: whole } = await this.reader.readRunOutput(this.jobId, run, Number.MAX_SAFE_INTEGER);
          this.open(run, tasks);
          lines.push(...this.outputOf(run, withoutHeader(whole, false), true));
          continue;
        }
        this.open(run, tasks);
        this.followed.set(run.id, { follower: this.reader.runOutputFollower(this.jobId, run, 0), isHeaderAhead: true });
      }
      const followed = this.followed.get(run.id);
      if (!followed) continue;
      const read = isEnded ? await followed.follower.drain() : await this.readAll(followed.follower);
      if (isEnded) this.followed.delete(run.id);
      if (followed.isHeaderAhead && read.length > 0) {
        followed.isHeaderAhead = false;
        if (PHASE_HEADER_PATTERN.test(read[0]!)) read.shift();
      }
      lines.push(...this.outputOf(run, read, isEnded));
    }
    for (const text of later) lines.push(this.fromOutputLog(text));
    // One task's run of a phase of one task is followed in output.log only while it runs.
    if (this.filter.kind === 'task' && this.logFollower && !this.wantedRuns(board).some((run) => run.output.file === OUTPUT_FILE && run.state.status === 'running')) {
      for (const text of await this.logFollower.drain()) lines.push(this.fromOutputLog(text));
      this.logFollower = null;
    }
    return lines;
  }

  // The whole of output.log (or its tail): the job has no run of its own file to show.
  private async readOutputLog(wanted: readonly Run[], maxLines: number | null, onLines: TranscriptListener): Promise<{ hasEarlier: boolean }> {
    for (const run of wanted) this.given.add(run.id);
    if (maxLines !== null) {
      const tail = await this.reader.readOutputTail(this.jobId, maxLines);
      if (tail.lines.length > 0) onLines(tail.lines.map((text) => this.fromOutputLog(text)));
      this.logFollower = await this.reader.outputFollower(this.jobId, tail.size);
      return { hasEarlier: tail.hasEarlier };
    }
    this.logFollower = await this.reader.outputFollower(this.jobId, 0);
    for (let read = await this.logFollower.read(); read.length > 0; read = await this.logFollower.read()) onLines(read.map((text) => this.fromOutputLog(text)));
    return { hasEarlier: false };
  }

  // One run's output as `read` shows it (its last `budget` lines), without its file's header; a
  // run still running is followed from there on.
  private async readRun(run: Run, budget: number): Promise<{ lines: string[]; hasEarlier: boolean }> {
    this.given.add(run.id);
    const isOwnFile = run.output.file !== OUTPUT_FILE;
    // A whole run file is read through a follower (it may be larger than a tail's window).
    if (isOwnFile && budget === Number.POSITIVE_INFINITY) {
      const follower = this.reader.runOutputFollower(this.jobId, run, 0);
      const lines = run.state.status === 'running' ? await this.readAll(follower) : await follower.drain();
      if (run.state.status === 'running') this.followed.set(run.id, { follower, isHeaderAhead: lines.length === 0 });
      return { lines: withoutHeader(lines, false), hasEarlier: false };
    }
    // One more than asked: the file's header line may be among them.
    const tail = await this.reader.readRunOutput(this.jobId, run, budget === Number.POSITIVE_INFINITY ? Number.MAX_SAFE_INTEGER : budget + 1);
    if (run.state.status === 'running' && isOwnFile) this.followed.set(run.id, { follower: this.reader.runOutputFollower(this.jobId, run, tail.size), isHeaderAhead: tail.size === 0 });
    // A phase of one task still running writes on in output.log: followed from the end of what was read.
    if (run.state.status === 'running' && !isOwnFile && this.filter.kind !== 'failed') this.logFollower = await this.reader.outputFollower(this.jobId, tail.size);
    const lines = withoutHeader(tail.lines, tail.hasEarlier);
    const shown = lines.slice(-budget);
    return { lines: shown, hasEarlier: tail.hasEarlier || shown.length < lines.length };
  }

  // In views of some runs, run `run` is named by a line of its own: it waits for the run's first
  // lines (under their phase attempt's header), or its end.
  private open(run: Run, tasks: ReadonlyMap<string, Task>): void {
    const task = tasks.get(run.taskId);
    if (this.filter.kind !== 'all' && task) this.headings.set(run.id, { kind: 'run', run, task });
  }

  private header(run: Run): TranscriptLine {
    this.lastSection = run.output.section;
    return { kind: 'header', text: formatSectionHeader(run.output.section, run.startedAt) };
  }

  // A run's lines, marked with its task when its phase runs several: under its phase attempt's
  // header when the lines before were another phase's, and the line naming the run when it has
  // not been given yet (`isNamed`: give it even without lines, the run is over or being shown).
  private outputOf(run: Run, lines: readonly string[], isNamed: boolean): TranscriptLine[] {
    const heading = this.headings.get(run.id);
    const given: TranscriptLine[] = [];
    if (lines.length > 0 && this.lastSection !== run.output.section) given.push(this.header(run));
    if (heading && (lines.length > 0 || isNamed)) {
      given.push(heading);
      this.headings.delete(run.id);
    }
    const taskId = run.output.file === OUTPUT_FILE ? undefined : run.taskId;
    for (const text of lines) given.push(taskId ? { kind: 'output', text, taskId } : { kind: 'output', text });
    return given;
  }

  // A line of output.log: a header says which phase attempt the lines after it belong to.
  private fromOutputLog(text: string): TranscriptLine {
    if (!PHASE_HEADER_PATTERN.test(text)) return { kind: 'output', text };
    const section = text.slice(3, text.lastIndexOf(' · '));
    this.lastSection = section;
    return { kind: 'header', text };
  }

  // Every complete line there is now (a follower hands out at most a window per call).
  private async readAll(follower: OutputFollower): Promise<string[]> {
    const lines: string[] = [];
    for (let read = await follower.read(); read.length > 0; read = await follower.read()) lines.push(...read);
    return lines;
  }

  // The runs the filter shows, in the order they started (then by number: r9 before r10).
  private wantedRuns(board: TaskBoard): Run[] {
    const { filter } = this;
    const tasks = filter.kind === 'failed' ? new Map(board.tasks.map((task) => [task.id, task])) : null;
    const runs = board.runs.filter((run) => (filter.kind === 'all' ? true : filter.kind === 'task' ? run.taskId === filter.taskId : isFailedRun(run, tasks!.get(run.taskId))));
    return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || Number(a.id.slice(1)) - Number(b.id.slice(1)));
  }
}

/** The header of phase attempt `section` (`phase 1/2 checks · attempt 1`) begun at `startedAt` (ISO-8601), as output.log writes them. */
export function formatSectionHeader(section: string, startedAt: string): string {
  return `── ${section} · ${startedAt.slice(0, 19).replace('T', ' ')} UTC ──`;
}

// `lines` without the header line a run's output opens with (absent when its beginning was cut).
function withoutHeader(lines: string[], hasEarlier: boolean): string[] {
  return !hasEarlier && lines.length > 0 && PHASE_HEADER_PATTERN.test(lines[0]!) ? lines.slice(1) : lines;
}

/** Options of following a transcript (see followTranscript). */
export interface FollowTranscriptOptions {
  onLines: TranscriptListener;
  /** Ends the follow early (Ctrl+C). */
  signal?: AbortSignal;
  /** How often new lines are looked for (ms, default 200); the board is read again at most every BOARD_EVERY_MS. */
  pollMs?: number;
}

/** Longest time between two reads of the job's board while following (ms): new runs show within it. */
export const BOARD_EVERY_MS = 500;

/**
 * Follows `transcript` after its `read`: gives new lines as they come until the runs it shows are
 * over (the job ended; with a task filter, the task ended and none of its runs runs), then the
 * rest, or until `signal` aborts. `view` reads the job and its board as they are now (null: the
 * job is gone). Resolves true when it ended with the job (the task), false when aborted.
 */
export async function followTranscript(transcript: JobTranscript, view: () => Promise<{ isJobEnded: boolean; board: TaskBoard } | null>, options: FollowTranscriptOptions): Promise<boolean> {
  const pollMs = options.pollMs ?? 200;
  let current = await view();
  let readAt = Date.now();
  while (!options.signal?.aborted) {
    if (!current) return true;
    const { filter } = transcript;
    const task = filter.kind === 'task' ? current.board.tasks.find((candidate) => candidate.id === filter.taskId) : undefined;
    const isOver = current.isJobEnded || (task !== undefined && task.status !== 'claimed' && task.status !== 'todo' && !current.board.runs.some((run) => run.taskId === task.id && run.state.status === 'running'));
    if (isOver) {
      const rest = await transcript.finish(current.board);
      if (rest.length > 0) options.onLines(rest);
      return true;
    }
    const lines = await transcript.poll(current.board);
    if (lines.length > 0) options.onLines(lines);
    await sleep(pollMs, options.signal);
    if (Date.now() - readAt >= BOARD_EVERY_MS) {
      current = await view();
      readAt = Date.now();
    }
  }
  return false;
}

// Waits `ms`, or less when `signal` aborts.
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
