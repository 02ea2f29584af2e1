// Renders the config's job templates (/templates, `jobline templates`): name, placeholders, what it does.
import chalk from 'chalk';
import { listPlaceholders } from '../config/templates.js';
import type { JoblineConfig } from '../config/schema.js';
import { sanitizeLine, truncate } from './text.js';

/** One line per template (`  test  file=…  run one test file (sh)`), or how to add one when there is none. */
export function formatTemplateList(config: JoblineConfig): string {
  const entries = Object.entries(config.templates);
  if (entries.length === 0) return 'No templates. Add "templates" to .jobrc.json, e.g. {"test": {"agent": "sh", "prompt": "npm test -- {file}"}}.';
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, template]) => {
    const usage = listPlaceholders(template).map((key) => ` ${key}=…`).join('');
    const about = template.description ?? template.prompt;
    return `  ${chalk.bold(name.padEnd(width))}${chalk.cyan(usage)}  ${chalk.dim(truncate(sanitizeLine(`${about}${template.agent ? ` (${template.agent})` : ''}`), 80))}`;
  }).join('\n');
}
