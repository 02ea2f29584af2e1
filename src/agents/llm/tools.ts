// Running a tool call from the model: validates the tool is one the phase offers, runs it, and
// turns every outcome into capped text for the model. Failures are tool errors, never exceptions.
import type { PhaseReporter, PlannedTask, TaskContext, ToolName } from '../agent.js';
import { isPathInClaim } from '../../jobs/model/claims.js';
import { parseTaskPlans } from '../../jobs/model/task-plans.js';
import type { ShellLauncher } from '../../jobs/process/shell-launcher.js';
import { runCommand } from './command-tool.js';
import { ToolError, editFile, listFiles, readFile, searchCode, writeFile } from './file-tools.js';
import { TOOL_DEFINITIONS } from './tool-definitions.js';
import { ANSWER_FILE_PATTERN, JOB_ANSWERS_PREFIX } from '../../jobs/model/answers.js';
import { PathRefusedError, resolveInWorkspace, toWorkspacePath } from './workspace-paths.js';

/** Most characters of a tool result sent back to the model. */
export const MAX_TOOL_RESULT_CHARS = 24_000;

/** What a tool returns to the model: text, or an error message; run_command's exit code too. */
export interface ToolResult {
  isError: boolean;
  text: string;
  /** run_command: the command's exit code (null: it was killed or timed out). */
  exitCode?: number | null;
}

/** What tools need besides their input. */
export interface ToolContext {
  workspace: string;
  allowCommands: readonly string[];
  signal: AbortSignal;
  report: PhaseReporter;
  /** Starts run_command's shells (see command-runner.ts). */
  launcher: ShellLauncher;
  /** Variables run_command's commands must not inherit (the API keys). */
  removeEnv: readonly string[];
  /** Variables run_command's commands get ($JOBLINE_WORKTREE in a job's worktree). */
  env?: Record<string, string>;
  /** The task of this run, when its phase holds several: write_file and edit_file keep to its claims. */
  task?: TaskContext;
  /** Workspace paths this run's write_file and edit_file calls changed (filled in as they succeed). */
  filesModified?: Set<string>;
  /** What create_tasks recorded: the plan's tasks, as the model last gave them. */
  plan?: { tasks: PlannedTask[] | null };
  /** The job's folder, whose answers read_file reads as `job:answers/…` (see answers.ts). */
  jobFolder?: string;
}

function cap(text: string): string {
  return text.length <= MAX_TOOL_RESULT_CHARS ? text : `${text.slice(0, MAX_TOOL_RESULT_CHARS)}\n… (cut: ${text.length - MAX_TOOL_RESULT_CHARS} more characters)`;
}

/**
 * Runs tool `name` with `input` if it is among `offered`. Never throws for a tool's failure: an
 * unknown tool, a bad argument, a refused path or command all come back as `isError` results.
 */
export async function executeTool(name: string, input: unknown, offered: readonly ToolName[], context: ToolContext): Promise<ToolResult> {
  if (!offered.includes(name as ToolName)) {
    const why = name in TOOL_DEFINITIONS ? 'is not available in this phase' : 'does not exist';
    return { isError: true, text: `tool ${name} ${why}; available tools: ${offered.join(', ')}` };
  }
  const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const { required = [], properties } = TOOL_DEFINITIONS[name as ToolName].parameters;
  const isArray = (key: string): boolean => (properties[key] as { type?: string } | undefined)?.type === 'array';
  const missing = required.filter((key) => (isArray(key) ? !Array.isArray(args[key]) : typeof args[key] !== 'string'));
  if (missing.length > 0) return { isError: true, text: `${name} needs ${missing.map((key) => `"${key}" (${isArray(key) ? 'an array' : 'a string'})`).join(' and ')}` };
  try {
    if (name === 'run_command') {
      const result = await runCommand(context, args as { command: string; timeout_ms?: number });
      return { isError: false, text: cap(result.text), exitCode: result.exitCode };
    }
    const text = await run(name as Exclude<ToolName, 'run_command'>, args, context);
    return { isError: false, text: cap(text) };
  } catch (error) {
    if (error instanceof ToolError || error instanceof PathRefusedError) return { isError: true, text: cap(error.message) };
    return { isError: true, text: cap(`${name} failed: ${(error as Error).message}`) };
  }
}

async function run(name: Exclude<ToolName, 'run_command'>, args: Record<string, unknown>, context: ToolContext): Promise<string> {
  const { workspace } = context;
  switch (name) {
    case 'list_files':
      return listFiles(workspace, args as { path?: string; glob?: string });
    case 'read_file': {
      const input = args as { path: string; offset?: number; limit?: number };
      // The job's own long answers, cut where earlier phases' results are forwarded: readable, and nothing else outside the workspace.
      if (input.path.startsWith(JOB_ANSWERS_PREFIX)) {
        const file = input.path.slice(JOB_ANSWERS_PREFIX.length);
        if (!context.jobFolder || !ANSWER_FILE_PATTERN.test(file)) throw new ToolError(`${input.path}: only the job's answers (${JOB_ANSWERS_PREFIX}answers/…) are readable outside the workspace`);
        return readFile(context.jobFolder, { ...input, path: file });
      }
      return readFile(workspace, input);
    }
    case 'search_code':
      return searchCode(workspace, args as { pattern: string; glob?: string });
    case 'write_file':
    case 'edit_file': {
      const path = checkClaim(name, String(args.path), context);
      const text = name === 'write_file' ? writeFile(workspace, args as { path: string; content: string }) : editFile(workspace, args as { path: string; old_string: string; new_string: string });
      context.filesModified?.add(path);
      return text;
    }
    case 'create_tasks':
      return createTasks(args, context);
  }
}

// A run of a task may write only the files its task claims: two tasks that claim the same file
// never run at once (the scheduler sees to that), so a write outside the claim is the one way
// parallel runs could collide. The refusal names the file, the claim, and who holds the file.
// Returns the file's workspace path. @throws ToolError for a file outside the claim.
function checkClaim(tool: string, requested: string, context: ToolContext): string {
  const path = toWorkspacePath(context.workspace, resolveInWorkspace(context.workspace, requested));
  const { task } = context;
  if (!task || task.claims.some((claim) => isPathInClaim(path, claim))) return path;
  const holder = task.others.find((other) => other.claims.some((claim) => isPathInClaim(path, claim)));
  const claimed = task.claims.length > 0 ? `its claim is ${task.claims.join(', ')}` : 'it claims no files';
  const held = holder ? `${path} is claimed by task ${holder.id} (${holder.title})` : `no task of this phase claims ${path}`;
  throw new ToolError(`${tool} refused: ${path} is outside the files of task ${task.id} (${task.title}): ${claimed}; ${held}. Change only your task's files, or say in your answer what else needs changing.`);
}

// create_tasks: checks the plan (titles, dependencies, files) and records it for the phase's end.
function createTasks(args: Record<string, unknown>, context: ToolContext): string {
  const parsed = parseTaskPlans(args.tasks);
  if ('problems' in parsed) throw new ToolError(`create_tasks refused: ${parsed.problems.join('; ')}`);
  const tasks = parsed.plans.map((plan): PlannedTask => ({ title: plan.title, description: plan.input, files: [...plan.claims], dependsOn: [...plan.dependsOn] }));
  if (context.plan) context.plan.tasks = tasks;
  return `recorded ${tasks.length} task${tasks.length === 1 ? '' : 's'} for the next phase: ${tasks.map((task) => task.title).join('; ')}`;
}

/** One-line description of a call for notifications and lastEvent, e.g. `edit_file(path='src/auth.ts')`. */
export function describeToolCall(name: string, input: unknown): string {
  const args = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const shown = ['path', 'pattern', 'command', 'glob'].filter((key) => typeof args[key] === 'string').map((key) => {
    const value = String(args[key]);
    return `${key}="${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  });
  return `${name}(${shown.join(', ')})`;
}
