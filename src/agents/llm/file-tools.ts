// The workspace tools that read and change files. Each returns text for the model or throws a
// ToolError whose message goes back to the model; none ever touches a path outside the workspace.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { resolveInWorkspace, toWorkspacePath } from './workspace-paths.js';

/** A tool failure reported to the model as the tool's result (not an exception of jobline). */
export class ToolError extends Error {}

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
const MAX_LISTED_FILES = 500;
const MAX_READ_LINES = 400;
/** Characters read_file returns at most (below the tool result cap, so its offset hint is never cut). */
export const MAX_READ_CHARS = 20_000;
/** A line longer than this is cut in read_file's answer, saying so. */
const MAX_READ_LINE_CHARS = 2000;
const MAX_MATCHES = 200;
const MAX_SEARCHED_FILE_BYTES = 1024 * 1024;

function* walk(root: string, dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) yield* walk(root, path);
    else if (entry.isFile()) yield path;
  }
}

function readText(workspace: string, path: string): { absolute: string; text: string } {
  const absolute = resolveInWorkspace(workspace, path);
  let text: string;
  try {
    if (statSync(absolute).isDirectory()) throw new ToolError(`${path} is a folder; use list_files`);
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (text.includes('\u0000')) throw new ToolError(`${path} is a binary file`);
  return { absolute, text };
}

/** list_files { path?, glob? } */
export function listFiles(workspace: string, input: { path?: string; glob?: string }): string {
  const folder = resolveInWorkspace(workspace, input.path ?? '.');
  const matches = input.glob ? picomatch(input.glob, { dot: true }) : () => true;
  const files: string[] = [];
  for (const file of walk(folder, folder)) {
    const relativePath = toWorkspacePath(workspace, file);
    if (!matches(relativePath)) continue;
    files.push(relativePath);
    if (files.length > MAX_LISTED_FILES) break;
  }
  if (files.length === 0) return 'no files';
  return files.length > MAX_LISTED_FILES ? `${files.slice(0, MAX_LISTED_FILES).join('\n')}\n… more files (narrow path or glob)` : files.join('\n');
}

/** read_file { path, offset?, limit? } */
export function readFile(workspace: string, input: { path: string; offset?: number; limit?: number }): string {
  const { text } = readText(workspace, input.path);
  const lines = text.split('\n');
  const first = Math.max(1, Math.floor(input.offset ?? 1));
  const count = Math.min(MAX_READ_LINES, Math.max(1, Math.floor(input.limit ?? MAX_READ_LINES)));
  const shown: string[] = [];
  let size = 0;
  for (const [i, line] of lines.slice(first - 1, first - 1 + count).entries()) {
    const text = line.length > MAX_READ_LINE_CHARS ? `${line.slice(0, MAX_READ_LINE_CHARS)}… (line cut: ${line.length - MAX_READ_LINE_CHARS} more characters)` : line;
    const numbered = `${String(first + i).padStart(5)}  ${text}`;
    // Whole lines up to the size cap: the hint to read on is always there.
    if (shown.length > 0 && size + numbered.length + 1 > MAX_READ_CHARS) break;
    shown.push(numbered);
    size += numbered.length + 1;
  }
  const rest = lines.length - (first - 1 + shown.length);
  return `${shown.join('\n')}${rest > 0 ? `\n… ${rest} more lines (use offset ${first + shown.length})` : ''}`;
}

/** search_code { pattern, glob? } */
export function searchCode(workspace: string, input: { pattern: string; glob?: string }): string {
  let regex: RegExp;
  try {
    regex = new RegExp(input.pattern);
  } catch (error) {
    throw new ToolError(`invalid pattern: ${(error as Error).message}`);
  }
  const root = resolveInWorkspace(workspace, '.');
  const matches = input.glob ? picomatch(input.glob, { dot: true }) : () => true;
  const found: string[] = [];
  const skipped: string[] = [];
  for (const file of walk(root, root)) {
    const relativePath = toWorkspacePath(workspace, file);
    if (!matches(relativePath)) continue;
    try {
      if (statSync(file).size > MAX_SEARCHED_FILE_BYTES) {
        skipped.push(relativePath);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      if (text.includes('\u0000')) continue;
      text.split('\n').forEach((line, i) => {
        if (found.length <= MAX_MATCHES && regex.test(line)) found.push(`${relativePath}:${i + 1}: ${line.trim().slice(0, 200)}`);
      });
    } catch {
      // Unreadable files are skipped.
    }
    if (found.length > MAX_MATCHES) break;
  }
  // Files too big to search are said, never passed over in silence ("no matches" would be a lie).
  const notSearched = skipped.length > 0 ? `\n(${skipped.length} file${skipped.length === 1 ? '' : 's'} over ${MAX_SEARCHED_FILE_BYTES / 1024 / 1024} MB not searched: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', …' : ''}; read them with read_file and an offset)` : '';
  if (found.length === 0) return `no matches${notSearched}`;
  return `${found.length > MAX_MATCHES ? `${found.slice(0, MAX_MATCHES).join('\n')}\n… more matches (narrow the pattern or glob)` : found.join('\n')}${notSearched}`;
}

/** write_file { path, content } */
export function writeFile(workspace: string, input: { path: string; content: string }): string {
  const absolute = resolveInWorkspace(workspace, input.path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, input.content);
  return `wrote ${Buffer.byteLength(input.content)} bytes to ${input.path}`;
}

/** edit_file { path, old_string, new_string }: old_string must occur exactly once. */
export function editFile(workspace: string, input: { path: string; old_string: string; new_string: string }): string {
  if (input.old_string === '') throw new ToolError('old_string is empty');
  const { absolute, text } = readText(workspace, input.path);
  const occurrences = text.split(input.old_string).length - 1;
  if (occurrences === 0) throw new ToolError(`old_string was not found in ${input.path}`);
  if (occurrences > 1) throw new ToolError(`old_string occurs ${occurrences} times in ${input.path}; include more surrounding text so it matches exactly once`);
  const index = text.indexOf(input.old_string);
  writeFileSync(absolute, text.slice(0, index) + input.new_string + text.slice(index + input.old_string.length));
  return `edited ${input.path}`;
}
