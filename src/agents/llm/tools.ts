// Running a tool call from the model: validates the tool is one the phase offers, runs it, and
// turns every outcome into capped text for the model. Failures are tool errors, never exceptions.
import type { PhaseReporter, ToolName } from '../agent.js';
import type { ShellLauncher } from '../../jobs/process/shell-launcher.js';
import { runCommand } from './command-tool.js';
import { ToolError, editFile, listFiles, readFile, searchCode, writeFile } from './file-tools.js';
import { TOOL_DEFINITIONS } from './tool-definitions.js';
import { PathRefusedError } from './workspace-paths.js';

/** Most characters of a tool result sent back to the model. */
export const MAX_TOOL_RESULT_CHARS = 24_000;

/** What a tool returns to the model: text, or an error message. */
export interface ToolResult {
  isError: boolean;
  text: string;
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
  const required = TOOL_DEFINITIONS[name as ToolName].parameters.required ?? [];
  const missing = required.filter((key) => typeof args[key] !== 'string');
  if (missing.length > 0) return { isError: true, text: `${name} needs ${missing.map((key) => `"${key}" (a string)`).join(' and ')}` };
  try {
    const text = await run(name as ToolName, args, context);
    return { isError: false, text: cap(text) };
  } catch (error) {
    if (error instanceof ToolError || error instanceof PathRefusedError) return { isError: true, text: cap(error.message) };
    return { isError: true, text: cap(`${name} failed: ${(error as Error).message}`) };
  }
}

async function run(name: ToolName, args: Record<string, unknown>, context: ToolContext): Promise<string> {
  const { workspace } = context;
  switch (name) {
    case 'list_files':
      return listFiles(workspace, args as { path?: string; glob?: string });
    case 'read_file':
      return readFile(workspace, args as { path: string; offset?: number; limit?: number });
    case 'search_code':
      return searchCode(workspace, args as { pattern: string; glob?: string });
    case 'write_file':
      return writeFile(workspace, args as { path: string; content: string });
    case 'edit_file':
      return editFile(workspace, args as { path: string; old_string: string; new_string: string });
    case 'run_command':
      return runCommand(context, args as { command: string; timeout_ms?: number });
  }
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
