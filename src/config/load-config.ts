// Finding and reading .jobrc.json: --config FILE, else ./.jobrc.json, else ~/.jobrc.json, else
// defaults. Every problem becomes a ConfigError naming the file, the key and what was expected.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { findNearestName } from '../text/nearest-name.js';
import { describeJsonError } from '../text/json-error.js';
import * as z from 'zod';
import { configSchema, type JoblineConfig } from './schema.js';

/** A loaded config and where it came from (`path` is null when only defaults apply). */
export interface LoadedConfig {
  config: JoblineConfig;
  path: string | null;
}

/** Where to look; all optional, for tests. */
export interface LoadConfigOptions {
  /** The --config argument, if given. */
  explicitPath?: string;
  cwd?: string;
  home?: string;
}

/**
 * Loads the config. Module-agent paths are made absolute relative to the config file.
 * @throws ConfigError CONFIG_NOT_FOUND (an explicit --config file is missing), CONFIG_PARSE (not
 *   JSON; the message gives line and column, never the file's text), CONFIG_INVALID (the first problems, each with its key).
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const candidates = options.explicitPath
    ? [resolve(cwd, options.explicitPath)]
    : [join(cwd, '.jobrc.json'), join(options.home ?? homedir(), '.jobrc.json')];
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !options.explicitPath) continue;
      const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new ConfigError('CONFIG_NOT_FOUND', `Cannot read config file ${path}: ${why}.`, { cause: error });
    }
    return { config: parseConfig(text, path), path };
  }
  return { config: configSchema.parse({}), path: null };
}

/**
 * Parses and validates config text read from `path` (used in messages and to resolve relative
 * module paths). Throws like `loadConfig`.
 */
export function parseConfig(text: string, path: string): JoblineConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('CONFIG_PARSE', `${path} is not valid JSON: ${describeJsonError(error, text)}.`, { cause: error });
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((issue) => `  - ${describeIssue(issue)}`);
    const more = result.error.issues.length > 5 ? `\n  (and ${result.error.issues.length - 5} more)` : '';
    throw new ConfigError('CONFIG_INVALID', `Invalid config in ${path}:\n${problems.join('\n')}${more}\nSee .jobrc.example.json for every key and its default.`);
  }
  const config = result.data;
  for (const agent of Object.values(config.agents)) {
    if (agent.type === 'module') agent.module = resolve(dirname(path), agent.module);
  }
  if (config.workspace) config.workspace = resolve(dirname(path), config.workspace);
  return config;
}

// Unknown keys are named with their full path and the nearest known key, since they are
// almost always typos; other issues keep zod's own wording after the key.
function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys
      .map((name) => {
        const nearest = findNearestName(name, known);
        const full = key ? `${key}.${name}` : name;
        return `${full}: unknown key${nearest ? ` (did you mean "${nearest}"?)` : ''}`;
      })
      .join('\n  - ');
  }
  // A bad record key (an agent name) carries the real rule in a nested issue.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${key || '(top level)'}: ${message}`;
}

// Walks the schema along an issue's path (objects, records, arrays, and every option of a
// union) and returns the keys allowed at its end.
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schemas = expand(configSchema);
  for (const segment of path) {
    schemas = schemas.flatMap((inner) => {
      if (inner instanceof z.ZodObject) {
        const child = inner.shape[String(segment)] as z.ZodType | undefined;
        return child ? expand(child) : [];
      }
      if (inner instanceof z.ZodRecord) return expand(inner.valueType as z.ZodType);
      if (inner instanceof z.ZodArray) return expand(inner.element as z.ZodType);
      return [];
    });
  }
  return [...new Set(schemas.flatMap((inner) => (inner instanceof z.ZodObject ? Object.keys(inner.shape) : [])))];
}

// Strips defaults and optionals; a union stands for all of its options.
function expand(schema: z.ZodType): z.ZodType[] {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  if (current instanceof z.ZodUnion) return current.options.flatMap((option) => expand(option as z.ZodType));
  return [current];
}
