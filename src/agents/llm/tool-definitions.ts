// The tools' names and JSON-schema parameters exactly as the model sees them.
import type { ToolName } from '../agent.js';

/** A JSON Schema object (draft 2020-12 subset used by the providers' tool APIs). */
export type JsonSchemaObject = { type: 'object'; properties: Record<string, unknown>; required?: string[]; additionalProperties?: boolean };

/** Description and parameters of each tool. */
export const TOOL_DEFINITIONS: Readonly<Record<ToolName, { description: string; parameters: JsonSchemaObject }>> = {
  list_files: {
    description: 'List files under a folder of the workspace (recursively; node_modules and .git skipped), optionally filtered by a glob such as "src/**/*.ts".',
    parameters: { type: 'object', properties: { path: { type: 'string', description: 'folder relative to the workspace root (default ".")' }, glob: { type: 'string', description: 'glob the relative paths must match' } }, additionalProperties: false },
  },
  read_file: {
    description: 'Read a text file of the workspace, with line numbers. Use offset and limit for large files.',
    parameters: { type: 'object', properties: { path: { type: 'string' }, offset: { type: 'integer', minimum: 1, description: 'first line to read (1-based)' }, limit: { type: 'integer', minimum: 1, description: 'number of lines to read' } }, required: ['path'], additionalProperties: false },
  },
  search_code: {
    description: 'Search the workspace files for a regular expression (JavaScript syntax); returns path:line: text for each match.',
    parameters: { type: 'object', properties: { pattern: { type: 'string' }, glob: { type: 'string', description: 'only files whose relative path matches this glob' } }, required: ['pattern'], additionalProperties: false },
  },
  write_file: {
    description: 'Create or overwrite a file of the workspace with the given content (folders are created as needed).',
    parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'], additionalProperties: false },
  },
  edit_file: {
    description: 'Replace old_string with new_string in a file. old_string must occur exactly once: include enough surrounding text to make it unique.',
    parameters: { type: 'object', properties: { path: { type: 'string' }, old_string: { type: 'string' }, new_string: { type: 'string' } }, required: ['path', 'old_string', 'new_string'], additionalProperties: false },
  },
  run_command: {
    description: 'Run an allowed command (such as npm test) in the workspace root; returns its exit code and output.',
    parameters: { type: 'object', properties: { command: { type: 'string' }, timeout_ms: { type: 'integer', minimum: 1000, maximum: 600000 } }, required: ['command'], additionalProperties: false },
  },
  create_tasks: {
    description: 'Split the work of the next phase into tasks that workers carry out in parallel, each by its own model run. '
      + 'Give each task the files it will modify (paths or globs): a task may write only its own files, and two tasks that claim the same file never run at once. '
      + 'dependsOn names tasks (by title) that must be done first. Call it once, with every task; calling it again replaces the list.',
    parameters: {
      type: 'object',
      properties: {
        tasks: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: {
              title: { type: 'string', description: 'a short, unique name' },
              description: { type: 'string', description: 'what to do, precisely enough for a worker that sees only this task, the plan and the analysis' },
              files: { type: 'array', items: { type: 'string' }, description: 'files or globs relative to the workspace that this task will create or modify' },
              dependsOn: { type: 'array', items: { type: 'string' }, description: 'titles of tasks that must be done first' },
            },
            required: ['title', 'description', 'files'],
            additionalProperties: false,
          },
        },
      },
      required: ['tasks'],
      additionalProperties: false,
    },
  },
};
