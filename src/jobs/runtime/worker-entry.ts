// The code each worker thread runs: receives phase requests, runs the agent's phase, and reports
// back. Any failure, thrown or not, leaves as a `phaseFailed` message.
import '../../heap-tuning.js'; // first: a new thread resets V8's flags (see heap-tuning.ts)
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { AgentRunner, PhaseContext, PhaseOutcome } from '../../agents/agent.js';
import { runCommandPhase } from '../../agents/command-runner.js';
import { describeChanges, readFullDiff, snapshotWorkspace } from '../../agents/workspace-snapshot.js';
import { describeError } from '../../errors.js';
import { ChildRegistry } from './child-registry.js';
import { getCompiledEntry } from '../../compiled-entry.js';
import { OutputSink } from './output-sink.js';
import { OUTPUT_FILE, formatPhaseHeader } from '../model/task.js';
import { parseTaskPlans } from '../model/task-plans.js';
import { MAX_STORED_ANSWER_CHARS, cutAnswer, formatAnswerFile } from '../model/answers.js';
import { ProgressCoalescer } from './progress-coalescer.js';
import { BudgetGate } from './budget-gate.js';
import { TextCoalescer } from './text-coalescer.js';
import type { PhaseRequest } from '../ports/executor.js';
import type { HostMessage, WorkerMessage } from './protocol.js';
import { SpawnerClient } from '../process/spawner-client.js';
import { LaneLauncher } from '../process/lane-launcher.js';
import { detectContainment } from '../process/process-containment.js';
import { appendStartMark, type ShellLauncher } from '../process/shell-launcher.js';
import { SecretScrubber, readSecrets } from '../../text/secrets.js';
import { DurableAppender } from '../../store/event-log.js';
import { formatStartMarkLine } from '../../store/task-log-lines.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
// The jobs' journals, where runs write their own starts (PhaseRequest.startRecord).
const journals = new DurableAppender();

const children = new ChildRegistry((workerData as { childRegistry: SharedArrayBuffer }).childRegistry);
const controllers = new Map<number, AbortController>();
/** Each run's budget check, by run id (see budget-gate.ts). */
const gates = new Map<number, BudgetGate>();
const moduleRunners = new Map<string, Promise<AgentRunner>>();
/** Output folders this worker has made (a job's runs/ folder); a removed job's folder is gone with its id. */
const madeFolders = new Set<string>();
// Shells (command phases, an LLM agent's run_command) run in shell lanes where PID namespaces are
// allowed: long-lived contained shells that fork each command (lane-launcher.ts). Elsewhere, and
// for what a lane cannot take, they are forked from this worker's spawner process, booted by the
// first shell asked for (a worker that never runs one never starts one).
const spawner = new SpawnerClient(getCompiledEntry('spawner-entry'));
let launcher: ShellLauncher | null = null;
// Decided at the first shell, from the containment the main thread handed down.
function getLauncher(): ShellLauncher {
  return (launcher ??= detectContainment().kind === 'pid-namespace' ? new LaneLauncher(spawner) : spawner);
}

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

port.on('message', (message: HostMessage) => {
  if (message.type === 'cancelRequested') controllers.get(message.runId)?.abort();
  else if (message.type === 'usageUpdated') gates.get(message.runId)?.update(message.others, message.budget);
  else void runPhase(message.runId, message.request);
});

async function runPhase(runId: number, request: PhaseRequest): Promise<void> {
  const controller = new AbortController();
  controllers.set(runId, controller);
  let sink: OutputSink | null = null;
  let progress: ProgressCoalescer | null = null;
  let text: TextCoalescer | null = null;
  let outcome: PhaseOutcome;
  // The git working tree before the phase, to tell what it changed (null outside git).
  let before: string | null = null;
  // The boundary every text of the phase crosses on its way to disk or a screen: keys are
  // scrubbed here, before any line or message is cut to length.
  const scrubber = new SecretScrubber(readSecrets(request.secretEnvNames));
  const scrub = (text: string): string => scrubber.scrub(text);
  try {
    // The run's start first, flushed to disk: nothing of the run starts before it is recorded
    // (issue 25 §1). A start that cannot be written fails the run, which then ran nothing.
    if (request.startRecord) {
      try {
        await journals.append(request.startRecord.path, request.startRecord.text);
      } catch (error) {
        throw new Error(`its start could not be recorded (${describeError(error)}), so it did not start`);
      }
    }
    // The start is confirmed by a mark written right before the run's work begins: a command's by
    // its own shell before it execs (see ShellRequest.startMark), an agent's here. A start recorded
    // without its mark never began (a crash between): a reader leaves it out (task-log.ts).
    const startMark = request.startRecord ? { path: request.startRecord.path, line: formatStartMarkLine(request.startRecord.runId) } : undefined;
    // Output that cannot be written (a full disk) stops the phase: it fails with that reason below.
    // A run of a phase of several tasks writes a file of its own, in the job's runs/ folder.
    // Once per folder and worker: a batch's runs all write under one runs/ folder.
    const folder = dirname(request.outputLogPath);
    if (!madeFolders.has(folder)) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      madeFolders.add(folder);
    }
    // A run's own file (runs/rN.log) is created by its first output: a silent task leaves none.
    const isRunFile = basename(request.outputLogPath) !== OUTPUT_FILE;
    sink = new OutputSink(request.outputLogPath, (lines, lineCount) => post({ type: 'outputProduced', runId, lines, lineCount }), () => controller.abort(), { scrubber, maxBytes: request.maxOutputBytes, isCreatedOnFirstWrite: isRunFile });
    const activeSink = sink;
    progress = new ProgressCoalescer((update) => post({ type: 'progressReported', runId, progress: update.lastEvent ? { ...update, lastEvent: scrub(update.lastEvent) } : update }));
    const activeProgress = progress;
    const activeText = (text = new TextCoalescer((piece) => post({ type: 'textProduced', runId, text: piece }), scrubber));
    // The counters reach the main thread before the stop does: the stop is judged on them.
    const gate = request.budget ? new BudgetGate(request.progress.usage, request.budget, controller.signal, (usage) => {
      activeProgress.flush();
      post({ type: 'budgetReached', runId, usage });
    }) : null;
    if (gate) gates.set(runId, gate);
    const context: PhaseContext = {
      jobId: request.jobId,
      prompt: request.prompt,
      phaseName: request.agent.phases[request.phaseIndex]?.name ?? `phase ${request.phaseIndex + 1}`,
      phaseIndex: request.phaseIndex,
      attempt: request.attempt,
      feedback: request.feedback,
      previousOutputs: request.previousOutputs,
      cwd: request.cwd,
      ...(request.worktree ? { worktree: request.worktree } : {}),
      jobFolder: jobFolderOf(request),
      progress: request.progress,
      signal: controller.signal,
      ...(request.task ? { task: request.task } : {}),
      ...(gate ? { budget: gate } : {}),
      report: {
        output: (output) => activeSink.write(output),
        text: (delta) => {
          activeSink.writeText(delta);
          activeText.add(delta);
        },
        progress: (update) => activeProgress.report(update),
        activity: (icon, line) => {
          activeText.flush(true); // the answer so far comes before the step it led to
          activeSink.appendLine(`${icon} ${line}`);
          activeProgress.flush(); // counters first, so the activity arrives with them
          post({ type: 'activityReported', runId, icon, text: scrub(line) });
        },
        childStarted: (pid) => void children.add(runId, pid),
        childExited: (pid) => children.remove(runId, pid),
      },
    };
    // The phase's changes count from its baseline when the job gives one (a phase of several
    // tasks, whose runs overlap; a retry), else from the tree now. A batch of 1,000 lines is not
    // diffed: it would start ~8 git processes per line.
    before = request.isWorkspaceRecorded === false ? null : (request.phaseBaseline ?? (await snapshotWorkspace(request.cwd, jobsFolderOf(request.outputLogPath))));
    if (request.previousAttempt) context.previousAttempt = describePreviousAttempt(request);
    activeSink.writeHeader(formatPhaseHeader({ index: request.phaseIndex, count: request.agent.phases.length, name: context.phaseName, attempt: request.attempt }, new Date()));
    if (startMark && request.agent.type !== 'command') appendStartMark(startMark);
    outcome = await runAgentPhase(request, context, startMark);
  } catch (error) {
    outcome = { kind: 'failed', error: describeError(error) };
  } finally {
    controllers.delete(runId);
    gates.delete(runId);
  }
  text?.flush(true);
  progress?.flush(); // the final counters arrive before the phase's end
  try {
    sink?.close();
  } catch (error) {
    outcome = { kind: 'failed', error: `cannot write ${request.outputLogPath}: ${describeError(error)}` };
  }
  const scrubNullable = (text: string | null | undefined): string | null => (text == null ? null : scrub(text));
  const after = before && outcome.kind !== 'cancelled' ? await snapshotWorkspace(request.cwd, jobsFolderOf(request.outputLogPath)) : null;
  const described = before && after ? describeChanges(request.cwd, before, after) : null;
  // A file name is text the model chose: it crosses the boundary scrubbed like every other.
  const changes = described ? { ...described, files: described.files.map((file) => ({ ...file, path: scrub(file.path) })) } : null;
  // A plan the agent returned is checked here, on the agent's side of the boundary: one that
  // breaks the rules fails the phase, saying why, instead of reaching the job.
  const planned = outcome.kind === 'completed' && outcome.tasks !== undefined ? parseTaskPlans(outcome.tasks) : null;
  if (planned && 'problems' in planned) outcome = { kind: 'failed', error: scrub(`the phase returned tasks that cannot run: ${planned.problems.join('; ')}`), output: outcome.kind === 'completed' ? outcome.output : null };
  const filesModified = outcome.kind !== 'cancelled' && Array.isArray(outcome.filesModified) ? { filesModified: outcome.filesModified.filter((path) => typeof path === 'string').map(scrub) } : {};
  const tasks = planned && 'plans' in planned ? { tasks: planned.plans.map((plan) => ({ title: scrub(plan.title), description: scrub(plan.input), files: plan.claims.map(scrub), dependsOn: plan.dependsOn.map(scrub) })) } : {};
  const usage = {
    ...(outcome.kind !== 'cancelled' && outcome.usage ? { usage: outcome.usage } : {}),
    ...(outcome.kind !== 'cancelled' && outcome.instructions ? { instructions: scrub(outcome.instructions) } : {}),
  };
  // An answer too long for job.json is kept whole in the job's folder, and cut where it is stored.
  const answer = outcome.kind === 'cancelled' ? { output: null } : keepAnswer(request, scrubNullable(outcome.output));
  if (outcome.kind === 'completed') post({ type: 'phaseCompleted', runId, ...answer, changes, ...tasks, ...filesModified, ...usage });
  else if (outcome.kind === 'failed') post({ type: 'phaseFailed', runId, error: scrub(outcome.error), ...answer, changes, ...filesModified, ...usage, ...(outcome.asks ? { asks: true } : {}) });
  else post({ type: 'phaseCancelled', runId });
}

async function runAgentPhase(request: PhaseRequest, context: PhaseContext, startMark?: { path: string; line: string }): Promise<PhaseOutcome> {
  const { agent } = request;
  if (agent.type === 'command') {
    const phase = agent.phases[request.phaseIndex];
    if (!phase) return { kind: 'failed', error: `agent ${agent.name} has no phase ${request.phaseIndex + 1}` };
    // A phase of tasks runs the task's own command (PhaseRequest.command).
    const command = 'run' in phase ? phase.run : request.command;
    if (!command) return { kind: 'failed', error: `phase ${phase.name} of agent ${agent.name} runs tasks, and this run names none` };
    return runCommandPhase(command, context, getLauncher(), startMark);
  }
  if (agent.type === 'llm') return (await import('../../agents/llm/llm-runner.js')).runLlmPhase(agent, context, getLauncher());
  // Never scheduled here (see EXTERNAL_AGENT); said plainly should it ever be.
  if (agent.type === 'external') return { kind: 'failed', error: `agent ${agent.name} runs nothing itself: its tasks are claimed by workers that join the job` };
  const runner = await loadModuleRunner(agent.module);
  return runner.runPhase(context);
}

function loadModuleRunner(path: string): Promise<AgentRunner> {
  let runner = moduleRunners.get(path);
  if (!runner) {
    runner = import(pathToFileURL(path).href).then((loaded: Partial<AgentRunner> & { default?: Partial<AgentRunner> }) => {
      const candidate = typeof loaded.runPhase === 'function' ? loaded : loaded.default;
      if (typeof candidate?.runPhase !== 'function') throw new Error(`agent module ${path} exports no runPhase function`);
      return candidate as AgentRunner;
    });
    // A failed import is not cached, so fixing the file and retrying works.
    runner.catch(() => moduleRunners.delete(path));
    moduleRunners.set(path, runner);
  }
  return runner;
}

/** Most characters of a previous attempt's diff handed to its retry (the rest is cut, and said). */
const MAX_PREVIOUS_DIFF_CHARS = 20_000;

// What the retry of a phase is told of the attempt before it: its answer, and its diff.
function describePreviousAttempt(request: PhaseRequest): NonNullable<PhaseContext['previousAttempt']> {
  const previous = request.previousAttempt!;
  const diff = previous.changes && previous.changes.before !== previous.changes.after ? readFullDiff(request.cwd, previous.changes, false) : null;
  // Scrubbed here, in the worker: the diff goes to a model (and a file's content may hold a key).
  const scrubber = new SecretScrubber(readSecrets(request.secretEnvNames));
  const cut = diff !== null && diff.length > MAX_PREVIOUS_DIFF_CHARS ? `${diff.slice(0, MAX_PREVIOUS_DIFF_CHARS)}\n… (the diff goes on for ${diff.length - MAX_PREVIOUS_DIFF_CHARS} more characters)` : diff;
  return { output: previous.output, diff: cut === null ? null : scrubber.scrub(cut), isKept: previous.keep, undoneRef: previous.undoneRef ?? null };
}

// The job's folder: its output.log's (a run's own log is in its runs/ folder).
function jobFolderOf(request: PhaseRequest): string {
  const folder = dirname(request.outputLogPath);
  return basename(request.outputLogPath) === OUTPUT_FILE ? folder : dirname(folder);
}

// `output` as job.json keeps it: whole, or, past MAX_STORED_ANSWER_CHARS, cut, with the whole in
// the job's answers/ folder (a file it could not write leaves the cut text saying so).
function keepAnswer(request: PhaseRequest, output: string | null): { output: string | null; outputFile?: string } {
  if (output === null || output.length <= MAX_STORED_ANSWER_CHARS) return { output };
  // A task of a phase of several has its own (TaskContext).
  const file = formatAnswerFile(request.phaseIndex, request.attempt, request.task ? request.taskId : undefined);
  try {
    mkdirSync(join(jobFolderOf(request), 'answers'), { recursive: true, mode: 0o700 });
    writeFileSync(join(jobFolderOf(request), file), output, { mode: 0o600 });
  } catch (error) {
    return { output: cutAnswer(output, `no file (it could not be written: ${describeError(error)})`) };
  }
  return { output: cutAnswer(output, file), outputFile: file };
}

// The jobs folder, from a job's output.log (`<jobsDir>/<id>/output.log`): left out of workspace snapshots.
function jobsFolderOf(outputLogPath: string): string {
  return dirname(dirname(outputLogPath));
}
