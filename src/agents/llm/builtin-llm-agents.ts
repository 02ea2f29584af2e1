// The LLM agents built in when a provider is configured: build, debug and review. Each phase has
// its own instructions, its own tools (read-only phases get no write or command tools) and a cap
// on model calls (rounds).
import type { LlmPhaseSpec, ToolName } from '../agent.js';

const READ: ToolName[] = ['list_files', 'read_file', 'search_code'];
const READ_AND_RUN: ToolName[] = [...READ, 'run_command'];
const ALL: ToolName[] = [...READ, 'write_file', 'edit_file', 'run_command'];
const READ_AND_PLAN: ToolName[] = [...READ, 'create_tasks'];

const COMMON = 'You work in a code workspace through tools; every path is relative to the workspace root. '
  + 'When the phase is done, answer without calling tools: that answer is the phase\'s result and is shown to the user for approval.';

function phase(name: string, maxRounds: number, tools: ToolName[], task: string): LlmPhaseSpec {
  return { name, maxRounds, tools, instructions: `${COMMON}\nPhase "${name}": ${task}` };
}

/** Phases of the built-in LLM agents, by agent name. */
export const BUILTIN_LLM_AGENTS: Readonly<Record<'build' | 'debug' | 'review', { summary: string; phases: LlmPhaseSpec[] }>> = {
  build: {
    summary: 'builds a feature: analyze, plan, implement, validate, deliver',
    phases: [
      phase('analyze', 10, READ, 'Read the code relevant to the request. Do not change anything. Report what exists, where, and what matters for the change.'),
      phase('plan', 5, READ_AND_PLAN, 'Write a concrete, numbered plan: files to change, functions to add, tests to write. Do not change anything yet. '
        + 'When the work splits into parts that touch different files, call create_tasks once with those parts (each with the files it will modify, and what it must wait for): '
        + 'the implement phase then runs one worker per task, side by side. Then answer with the plan.'),
      phase('implement', 30, ALL, 'Carry out the plan (or, as one of several workers, your task of it): edit and create files. Keep changes minimal and consistent with the code around them.'),
      phase('validate', 15, ALL, 'Run the project\'s checks (tests, lint, typecheck) and fix what fails. Report the results.'),
      phase('deliver', 5, READ, 'Summarise what changed, file by file, how it was validated, and anything left open.'),
    ],
  },
  debug: {
    summary: 'fixes a bug: reproduce, investigate, isolate, fix, verify, commit',
    phases: [
      phase('reproduce', 8, READ_AND_RUN, 'Reproduce the reported problem, ideally with a failing test or command. Report exactly how it fails.'),
      phase('investigate', 12, READ_AND_RUN, 'Trace the failure through the code. Report the code paths involved and your hypotheses.'),
      phase('isolate', 10, READ_AND_RUN, 'Narrow it down to the root cause. Report the cause and the evidence for it.'),
      phase('fix', 10, ALL, 'Fix the root cause with the smallest sound change, and add a regression test.'),
      phase('verify', 15, ALL, 'Run the tests and checks; confirm the problem is gone and nothing else broke.'),
      phase('commit', 3, READ, 'Write a commit message: a summary line, then what was wrong and how it was fixed.'),
    ],
  },
  review: {
    summary: 'reviews code: gather, security, quality, compile, publish',
    phases: [
      phase('gather', 10, READ, 'Find the code under review and read it. Report what it does and its structure.'),
      phase('security', 8, READ, 'Look for security problems: injection, path traversal, secrets, unsafe input handling. Cite file and line.'),
      phase('quality', 10, READ, 'Look for correctness, error handling, naming, duplication and test gaps. Cite file and line.'),
      phase('compile', 5, READ, 'Merge the findings into one list, most severe first, each with a concrete suggestion.'),
      phase('publish', 3, READ, 'Write the final review as it would be posted: a short verdict, then the findings.'),
    ],
  },
};

/** Commands run_command allows by default: the package.json scripts test, lint, typecheck and build. */
export const DEFAULT_ALLOWED_COMMANDS = ['npm test', 'npm run test', 'npm run lint', 'npm run typecheck', 'npm run build'];
