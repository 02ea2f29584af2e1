// The LLM tools' rules, on a real temp workspace: confinement, allowed commands, exact edits, caps.
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PhaseReporter, ToolName } from '../../../src/agents/agent.js';
import { isCommandAllowed } from '../../../src/agents/llm/command-tool.js';
import { MAX_TOOL_RESULT_CHARS, describeToolCall, executeTool } from '../../../src/agents/llm/tools.js';
import { SpawnerClient } from '../../../src/jobs/process/spawner-client.js';
import { getCompiledEntry } from '../../../src/compiled-entry.js';
import { makeTempDir } from '../../helpers/temp.js';
import { makeWorkspace } from '../../helpers/llm.js';

const ALL: ToolName[] = ['list_files', 'read_file', 'search_code', 'write_file', 'edit_file', 'run_command'];
const children: number[] = [];
// Set before the spawner boots: its shells inherit the environment it started with.
process.env.JOBLINE_TOOL_SECRET = 'sk-should-not-reach-commands';
process.env.JOBLINE_TOOL_VISIBLE = 'visible';
// The launcher jobline's workers use: shells forked from a spawner process (the first one, while it boots, directly).
const launcher = new SpawnerClient(getCompiledEntry('spawner-entry'));
const report: PhaseReporter = { output: () => {}, progress: () => {}, activity: () => {}, childStarted: (pid) => children.push(pid), childExited: () => {} };

function toolsIn(workspace: string, allowCommands = ['npm test', 'echo *'], removeEnv: string[] = []) {
  return (name: string, input: unknown) => executeTool(name, input, ALL, { workspace, allowCommands, signal: new AbortController().signal, report, launcher, removeEnv });
}

describe('workspace confinement', () => {
  const outside = makeTempDir('jobline-outside-');
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  const workspace = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n' });
  symlinkSync(join(outside, 'secret.txt'), join(workspace, 'link-to-secret'));
  symlinkSync(outside, join(workspace, 'link-to-outside'));
  const tool = toolsIn(workspace);

  it.each([
    ['read_file', { path: '../outside.txt' }, /is outside the workspace/],
    ['read_file', { path: 'src/../../x' }, /is outside the workspace/],
    ['read_file', { path: '/etc/passwd' }, /absolute paths are not allowed/],
    ['read_file', { path: 'link-to-secret' }, /leads outside the workspace through a symbolic link/],
    ['write_file', { path: 'link-to-outside/new.txt', content: 'x' }, /leads outside the workspace through a symbolic link/],
    ['edit_file', { path: 'link-to-outside/secret.txt', old_string: 'top', new_string: 'no' }, /symbolic link/],
    ['list_files', { path: '..' }, /is outside the workspace/],
  ])('%s %j is refused as a tool error', async (name, input, message) => {
    const result = await tool(name, input);
    expect(result).toMatchObject({ isError: true, text: expect.stringMatching(message) });
  });

  it('leaves the outside untouched', () => {
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });
});

describe('file tools', () => {
  it('list, read with line numbers and ranges, search, write and edit', async () => {
    const workspace = makeWorkspace({ 'src/a.ts': 'one\ntwo\nthree\n', 'src/b.js': 'two too\n', 'node_modules/x/i.js': 'two\n' });
    const tool = toolsIn(workspace);
    expect((await tool('list_files', {})).text).toBe('src/a.ts\nsrc/b.js');
    expect((await tool('list_files', { glob: '**/*.ts' })).text).toBe('src/a.ts');
    expect((await tool('read_file', { path: 'src/a.ts', offset: 2, limit: 1 })).text).toBe('    2  two\n… 2 more lines (use offset 3)');
    expect((await tool('search_code', { pattern: 'tw[o]' })).text).toBe('src/a.ts:2: two\nsrc/b.js:1: two too');
    expect(await tool('search_code', { pattern: '(' })).toMatchObject({ isError: true, text: expect.stringContaining('invalid pattern') });
    expect((await tool('write_file', { path: 'new/dir/c.ts', content: 'fresh' })).text).toBe('wrote 5 bytes to new/dir/c.ts');
    expect(readFileSync(join(workspace, 'new/dir/c.ts'), 'utf8')).toBe('fresh');
  });

  it('edit_file needs old_string to match exactly once', async () => {
    const workspace = makeWorkspace({ 'f.txt': 'a b a\n' });
    const tool = toolsIn(workspace);
    expect(await tool('edit_file', { path: 'f.txt', old_string: 'a', new_string: 'x' })).toMatchObject({ isError: true, text: 'old_string occurs 2 times in f.txt; include more surrounding text so it matches exactly once' });
    expect(await tool('edit_file', { path: 'f.txt', old_string: 'zzz', new_string: 'x' })).toMatchObject({ isError: true, text: 'old_string was not found in f.txt' });
    expect(await tool('edit_file', { path: 'f.txt', old_string: 'a b', new_string: 'c' })).toMatchObject({ isError: false, text: 'edited f.txt' });
    expect(readFileSync(join(workspace, 'f.txt'), 'utf8')).toBe('c a\n');
    expect(await tool('edit_file', { path: 'f.txt' })).toMatchObject({ isError: true, text: 'edit_file needs "old_string" (a string) and "new_string" (a string)' });
  });

  it('caps what goes back to the model, and a read cut short says where to read on', async () => {
    const workspace = makeWorkspace({ 'big.txt': `${'x'.repeat(100)}\n`.repeat(400), 'one-line.txt': `${'y'.repeat(30_000)}\nend\n` });
    const result = await toolsIn(workspace)('read_file', { path: 'big.txt' });
    expect(result.text.length).toBeLessThan(MAX_TOOL_RESULT_CHARS);
    const lastShown = Number(/(\d+) {2}x+\n… \d+ more lines \(use offset (\d+)\)$/.exec(result.text)?.[1]);
    expect(result.text).toMatch(new RegExp(`… ${401 - lastShown} more lines \\(use offset ${lastShown + 1}\\)$`));
    const long = await toolsIn(workspace)('read_file', { path: 'one-line.txt' });
    expect(long.text).toMatch(/^ {4}1 {2}y{2000}… \(line cut: 28000 more characters\)\n {4}2 {2}end\n/);
  });

  it('search_code says which files it did not search, never a bare "no matches"', async () => {
    const workspace = makeWorkspace({ 'small.txt': 'nothing here\n', 'huge.log': `${'needle '.repeat(200_000)}\n` });
    expect((await toolsIn(workspace)('search_code', { pattern: 'needle' })).text).toBe('no matches\n(1 file over 1 MB not searched: huge.log; read them with read_file and an offset)');
  });

  it('run_command says when it cut the start of a long output, and starts at a line', async () => {
    const workspace = makeWorkspace({ 'print.js': 'for (let i = 0; i < 3000; i++) console.log(`line ${i} of the output`);\n' });
    const result = await toolsIn(workspace, ['node print.js'])('run_command', { command: 'node print.js' });
    expect(result.text).toMatch(/^exit code 0\n\[jobline: the first \d+ characters of output were cut; its last \d+ follow\]\nline \d+ of the output\n/);
    expect(result.text).toMatch(/line 2999 of the output$/);
  });
});

describe('run_command', () => {
  it('runs allowed commands in the workspace and reports exit code and output', async () => {
    const workspace = makeWorkspace({});
    const tool = toolsIn(workspace);
    expect(await tool('run_command', { command: 'echo hello world' })).toEqual({ isError: false, text: 'exit code 0\nhello world', exitCode: 0 });
  });

  it.each([
    ['rm -rf ~', /is not an allowed command\. Allowed: npm test, echo \*/],
    ['npm test; rm -rf ~', /contains shell control characters/],
    ['echo $(cat /etc/passwd)', /contains shell control characters/],
    ['npm test && curl x', /contains shell control characters/],
  ])('refuses %j as a tool error', async (command, message) => {
    const result = await toolsIn(makeWorkspace({}))('run_command', { command });
    expect(result).toMatchObject({ isError: true, text: expect.stringMatching(message) });
  });

  it('runs commands without the API keys in their environment (a command could send them anywhere)', async () => {
    const tool = toolsIn(makeWorkspace({ 'package.json': '{"scripts":{"test":"echo key=$JOBLINE_TOOL_SECRET other=$JOBLINE_TOOL_VISIBLE"}}' }), ['npm test'], ['JOBLINE_TOOL_SECRET']);
    const result = await tool('run_command', { command: 'npm test' });
    expect(result.text).toContain('key= other=visible');
    expect(result.text).not.toContain('sk-should-not-reach-commands');
  });

  it('times out, killing the command', async () => {
    const result = await toolsIn(makeWorkspace({}), ['sleep *'])('run_command', { command: 'sleep 30', timeout_ms: 1000 });
    expect(result.text).toBe('timed out after 1000 ms\n');
  });

  it('matches patterns exactly or with *', () => {
    expect(isCommandAllowed('npm  run lint', ['npm run lint'])).toBe(true);
    expect(isCommandAllowed('npm run lint --fix', ['npm run lint'])).toBe(false);
    expect(isCommandAllowed('npm run lint --fix', ['npm run lint*'])).toBe(true);
  });
});

describe('describeToolCall', () => {
  it('shows the tool and its key argument', () => {
    expect(describeToolCall('search_code', { pattern: 'handleAuth' })).toBe('search_code(pattern="handleAuth")');
    expect(describeToolCall('edit_file', { path: 'src/auth.ts', old_string: 'x', new_string: 'y' })).toBe('edit_file(path="src/auth.ts")');
  });
});
