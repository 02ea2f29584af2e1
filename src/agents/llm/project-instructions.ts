// A project's instructions for coding agents: AGENTS.md at the workspace root (CLAUDE.md when there
// is none), read into each LLM phase's system prompt, cut past a cap (and saying so). An agent with
// `"instructions": false` reads none.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files read, in order: the first that exists is used. */
export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'] as const;

/** Most characters of instructions put in the system prompt. */
export const MAX_INSTRUCTION_CHARS = 20_000;

/** Instructions read: the file's name, its text (cut), and a description for the job (`AGENTS.md (1234 characters)`). */
export interface ProjectInstructions {
  file: string;
  text: string;
  description: string;
}

/** Reads the project's instructions at `workspace`'s root, or null when it has none. Never throws. */
export function readProjectInstructions(workspace: string): ProjectInstructions | null {
  for (const file of INSTRUCTION_FILES) {
    let text: string;
    try {
      text = readFileSync(join(workspace, file), 'utf8');
    } catch {
      continue;
    }
    if (text.trim() === '' || text.includes('\u0000')) continue;
    if (text.length <= MAX_INSTRUCTION_CHARS) return { file, text, description: `${file} (${text.length} characters)` };
    return {
      file,
      text: `${text.slice(0, MAX_INSTRUCTION_CHARS)}\n[jobline: ${file} goes on for ${text.length - MAX_INSTRUCTION_CHARS} more characters, cut here; read_file it for the rest]`,
      description: `${file} (cut to ${MAX_INSTRUCTION_CHARS} of its ${text.length} characters)`,
    };
  }
  return null;
}

/** `system` with the project's instructions after it. */
export function withProjectInstructions(system: string, instructions: ProjectInstructions | null): string {
  return instructions ? `${system}\n\nThe project's instructions for agents (from ${instructions.file} at the workspace root):\n${instructions.text}` : system;
}
