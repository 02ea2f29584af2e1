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
};
