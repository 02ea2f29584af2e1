// The agents that ship with jobline and work offline: `sh` (the prompt is the command) and
// `check` (a project's own lint, typecheck, test and build scripts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from '../errors.js';
import type { AgentSpec } from './agent.js';
import { EXTERNAL_AGENT, EXTERNAL_PHASE } from '../jobs/model/job.js';
import { describeJsonError } from '../text/json-error.js';

/** package.json scripts the `check` agent runs, in this order, when they exist. */
export const CHECK_SCRIPTS = ['lint', 'typecheck', 'test', 'build'] as const;

/** Names and one-line summaries of the built-in agents, for help and completion. */
export const BUILTIN_AGENT_SUMMARIES: Readonly<Record<string, string>> = {
  sh: 'runs the prompt as a shell command (one phase: run)',
  check: "runs the current project's lint, typecheck, test and build scripts",
  [EXTERNAL_AGENT]: 'runs nothing itself: workers from outside join the job and claim its tasks (jobline job create)',
};

/** The `external` agent: one phase, `work`, whose tasks workers from outside claim (see EXTERNAL_AGENT). */
export function createExternalAgent(): AgentSpec {
  return { type: 'external', name: EXTERNAL_AGENT, summary: BUILTIN_AGENT_SUMMARIES[EXTERNAL_AGENT]!, phases: [{ name: EXTERNAL_PHASE }] };
}

/** The `sh` agent. The prompt reaches the shell through $JOB_PROMPT and `eval`, never by splicing. */
export function createShAgent(): AgentSpec {
  return { type: 'command', name: 'sh', summary: BUILTIN_AGENT_SUMMARIES.sh!, phases: [{ name: 'run', run: 'eval "$JOB_PROMPT"' }] };
}

/**
 * The `check` agent for the npm project in `cwd`: one phase per existing script of CHECK_SCRIPTS,
 * each run as `npm run <script>`.
 * @throws AgentError AGENT_INVALID when `cwd` has no readable package.json or none of the scripts.
 */
export function createCheckAgent(cwd: string): AgentSpec {
  const manifestPath = join(cwd, 'package.json');
  let scripts: Record<string, unknown>;
  let text = '';
  try {
    text = readFileSync(manifestPath, 'utf8');
    const manifest = JSON.parse(text) as { scripts?: Record<string, unknown> } | null;
    scripts = manifest?.scripts ?? {};
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    // The file's text is never quoted (a job's folder is a client's say-so over the API).
    const why = error instanceof SyntaxError ? `it is not valid JSON (${describeJsonError(error, text)})` : ((error as NodeJS.ErrnoException).code ?? 'it cannot be read');
    throw new AgentError(
      'AGENT_INVALID',
      missing
        ? `The check agent needs a package.json, and ${cwd} has none. Run it inside an npm project.`
        : `The check agent cannot read ${manifestPath}: ${why}.`,
      { cause: error },
    );
  }
  const phases = CHECK_SCRIPTS.filter((name) => typeof scripts[name] === 'string').map((name) => ({ name, run: `npm run ${name}` }));
  if (phases.length === 0) {
    throw new AgentError('AGENT_INVALID', `The check agent found none of the scripts ${CHECK_SCRIPTS.join(', ')} in ${manifestPath}.`);
  }
  return { type: 'command', name: 'check', summary: BUILTIN_AGENT_SUMMARIES.check!, phases };
}
