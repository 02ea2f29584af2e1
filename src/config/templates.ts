// Job templates (`templates` in the config): a named job with `{placeholders}` filled in at
// submission (`/run NAME key=value`, `jobline run --template NAME`, the dashboard's Run). Where a
// shell runs the text as a command, each value goes in quoted (shell-quote.ts). Pure.
import { TemplateError } from '../errors.js';
import { findNearestName } from '../text/nearest-name.js';
import type { JoblineConfig } from './schema.js';
import { assertQuotable, quoteShellValue, ShellReader } from './shell-quote.js';

/** One template as the config holds it (see configSchema's `templates`). */
export type JobTemplate = JoblineConfig['templates'][string];

/**
 * A placeholder: `{name}` with a name of letters, digits, `_` and `-` starting with a letter or `_`;
 * `{raw:name}` is the same value put in as typed, even into a shell command (see ShellTexts).
 * `${name}` is left alone (a shell variable), and so is `{a,b}` (a shell brace expansion); `{{`
 * and `}}` are literal braces.
 */
const PLACEHOLDER = /\{\{|\}\}|\$?\{(raw:)?([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/**
 * Which texts of a template a shell runs as command lines, for the agent its job runs (see
 * findShellTexts in agents/agent.ts): the prompt (the sh agent's), and the tasks' inputs (a
 * command agent's tasks). A value put into such a text is quoted for where it lands.
 */
export interface ShellTexts {
  prompt: boolean;
  taskInputs: boolean;
}

/**
 * What a template makes: the fields of a submission, before its agent is resolved. Its shapes are
 * the job model's (JobMode, TaskPlan, JobTemplateRef), spelled out here so that the config does
 * not reach down into the jobs.
 */
export interface TemplateSubmission {
  /** The agent's name; null: the session's (or the config's default). */
  agentName: string | null;
  prompt: string;
  /** null: the session's mode. */
  mode: 'interactive' | 'background' | null;
  workers: number | null;
  retries: number | null;
  keepGoing: boolean | null;
  /** The tasks of the job's first phase (dependencies by title), or null: what the agent plans. */
  tasks: Array<{ title: string; input: string; dependsOn: string[]; claims: string[] }> | null;
  /** The template's name and the values given for its placeholders (Job.template). */
  template: { name: string; values: Record<string, string> };
  /** The model of an LLM agent's job (Job.model), or null: the agent's. */
  model: string | null;
  /** The job's budget (Job.budget), or null: the agent's, if any. */
  budget: { tokens?: number; usd?: number } | null;
}

/** The placeholders of `template` (in its prompt and its tasks' inputs), in order of first use. */
export function listPlaceholders(template: JobTemplate): string[] {
  const names = new Set<string>();
  for (const text of [template.prompt, ...(template.tasks ?? []).map((task) => task.input)]) {
    for (const match of text.matchAll(PLACEHOLDER)) if (match[2] !== undefined && !match[0].startsWith('$')) names.add(match[2]);
  }
  return [...names];
}

// `text` of template `name` with its placeholders replaced by `values` (each is present: checked
// before). In a shell command (`isShell`), each value but a `{raw:…}` one is quoted for where it
// lands, which the text before it tells.
function fill(name: string, text: string, values: Readonly<Record<string, string>>, isShell: boolean): string {
  const reader = new ShellReader();
  let filled = '';
  let copied = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [whole, raw, key] = match;
    const isValue = key !== undefined && !whole.startsWith('$');
    const literal = text.slice(copied, match.index) + (isValue ? '' : whole === '{{' ? '{' : whole === '}}' ? '}' : whole);
    copied = match.index + whole.length;
    reader.read(literal);
    filled += literal;
    if (!isValue) continue;
    let value = values[key]!;
    if (isShell && !raw) {
      assertQuotable(reader, name, key);
      value = quoteShellValue(value, reader.context);
    }
    reader.read(value);
    filled += value;
  }
  return filled + text.slice(copied);
}

/**
 * Parses `key=value` words (`/run NAME pkg=core msg="two words"`, already split) into values.
 * @throws TemplateError TEMPLATE_INVALID for a word without `=` or a key given twice.
 */
export function parseTemplateValues(words: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const word of words) {
    const at = word.indexOf('=');
    if (at <= 0) throw new TemplateError('TEMPLATE_INVALID', `Expected key=value, got "${word.slice(0, 80)}": give each placeholder as name=value.`);
    const key = word.slice(0, at);
    if (Object.hasOwn(values, key)) throw new TemplateError('TEMPLATE_INVALID', `${key} is given twice.`);
    values[key] = word.slice(at + 1);
  }
  return values;
}

/** Looks up template `name` in `config`. @throws TemplateError TEMPLATE_UNKNOWN (with the nearest name, or the list). */
export function findTemplate(config: JoblineConfig, name: string): JobTemplate {
  const template = Object.hasOwn(config.templates, name) ? config.templates[name] : undefined;
  if (template) return template;
  const names = Object.keys(config.templates);
  if (names.length === 0) throw new TemplateError('TEMPLATE_UNKNOWN', `There is no template ${name}: the config defines none (add "templates" to .jobrc.json).`);
  const nearest = findNearestName(name, names);
  throw new TemplateError('TEMPLATE_UNKNOWN', `There is no template ${name}.${nearest ? ` Did you mean ${nearest}?` : ''} Templates: ${names.join(', ')}.`);
}

/**
 * The submission template `name` of `config` makes with `values` for its placeholders, for a job
 * whose agent runs `shell` as shell command lines (there each value is quoted, `x; touch F` →
 * `'x; touch F'`, unless written `{raw:name}`).
 * @throws TemplateError TEMPLATE_UNKNOWN; TEMPLATE_INVALID when a placeholder has no value or a
 *   value names no placeholder (both listed, with the template's placeholders), or a placeholder
 *   to be quoted follows a backslash in a shell command.
 */
export function expandTemplate(config: JoblineConfig, name: string, values: Readonly<Record<string, string>>, shell: ShellTexts): TemplateSubmission {
  const template = findTemplate(config, name);
  const placeholders = listPlaceholders(template);
  const missing = placeholders.filter((key) => !Object.hasOwn(values, key));
  const unknown = Object.keys(values).filter((key) => !placeholders.includes(key));
  if (missing.length > 0 || unknown.length > 0) {
    const usage = placeholders.length > 0 ? placeholders.map((key) => `${key}=…`).join(' ') : 'no values';
    const problems = [
      ...(missing.length > 0 ? [`needs ${missing.map((key) => `{${key}}`).join(', ')}`] : []),
      ...(unknown.length > 0 ? [`has no ${unknown.map((key) => `{${key}}`).join(', ')}`] : []),
    ];
    throw new TemplateError('TEMPLATE_INVALID', `Template ${name} ${problems.join(' and ')}: give ${usage}.`);
  }
  return {
    agentName: template.agent ?? null,
    prompt: fill(name, template.prompt, values, shell.prompt),
    mode: template.mode ?? null,
    workers: template.workers ?? null,
    retries: template.retries ?? null,
    keepGoing: template.keepGoing ?? null,
    tasks: template.tasks ? template.tasks.map((task) => ({ title: task.name, input: fill(name, task.input, values, shell.taskInputs), dependsOn: task.dependsOn, claims: task.claims })) : null,
    template: { name, values: { ...values } },
    model: template.model ?? null,
    budget: template.budget ? { ...template.budget } : null,
  };
}

/**
 * Splits a line of `key=value` words as a shell would for quoting: `a="b c" d='e'` gives
 * `a=b c` and `d=e`. @throws TemplateError TEMPLATE_INVALID for an unclosed quote.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote) throw new TemplateError('TEMPLATE_INVALID', `A ${quote} quote is not closed.`);
  if (word !== null) words.push(word);
  return words;
}
