// /run NAME [key=value …] submits a job from a config template; /templates lists the templates.
import { UsageError } from '../../errors.js';
import { expandTemplate, findTemplate, parseTemplateValues, splitWords } from '../../config/templates.js';
import { findShellTexts } from '../../agents/agent.js';
import { resolveAgent } from '../../agents/resolve-agent.js';
import { formatTemplateList } from '../../render/template-list.js';
import type { SlashCommand } from '../session.js';

/** /run NAME [key=value …] */
export const runCommand: SlashCommand = {
  name: 'run',
  usage: '/run <template> [key=value …]',
  summary: 'start a job from a template of the config (/templates lists them)',
  argument: 'template',
  async run(args, session) {
    const [name, ...words] = splitWords(args);
    if (!name) throw new UsageError('USAGE', 'Usage: /run <template> [key=value …]. /templates lists the templates.');
    // The job's agent decides whether the values go into shell commands (quoted): the template's, else the session's.
    const agent = resolveAgent(findTemplate(session.config, name).agent ?? session.agentName, session.config, session.cwd);
    const made = expandTemplate(session.config, name, parseTemplateValues(words), findShellTexts(agent));
    await session.submit(made.prompt, {
      template: made.template,
      ...(made.agentName ? { agentName: made.agentName } : {}),
      ...(made.mode ? { mode: made.mode } : {}),
      ...(made.workers ? { workers: made.workers } : {}),
      ...(made.retries !== null ? { retries: made.retries } : {}),
      ...(made.keepGoing !== null ? { keepGoing: made.keepGoing } : {}),
      ...(made.tasks ? { tasks: made.tasks } : {}),
      ...(made.budget ? { budget: made.budget } : {}),
      ...(made.model ? { model: made.model } : {}),
    });
  },
};

/** /templates */
export const templatesCommand: SlashCommand = {
  name: 'templates',
  usage: '/templates',
  summary: 'list the job templates of the config',
  argument: 'none',
  run(_args, session) {
    session.print(formatTemplateList(session.config));
  },
};
