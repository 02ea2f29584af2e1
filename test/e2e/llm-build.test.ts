// Issue "LLM agents", done when: point a provider at a compatible server, type a request in the
// REPL; build's five phases run with approvals, the model's tool calls read and edit files in the
// workspace, and /jobs shows rounds, tool calls and LLM calls.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { KEY, PtySession, makeReplWorkspace } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';

let server: FakeModelServer | null = null;
let session: PtySession | null = null;
afterEach(async () => {
  await server?.close();
});

it('runs the build agent on a model, phase by phase, with tools on the workspace', async () => {
  server = await FakeModelServer.start('openai', [
    { text: 'Reading.', toolCalls: [{ name: 'search_code', args: { pattern: 'handleAuth' } }, { name: 'read_file', args: { path: 'src/auth.js' } }] },
    { text: 'handleAuth accepts any token.' },
    { text: '1. Check the token against TOKENS.' },
    { toolCalls: [{ name: 'edit_file', args: { path: 'src/auth.js', old_string: 'return true;', new_string: 'return TOKENS.has(token);' } }] },
    { text: 'Edited src/auth.js.' },
    { text: 'Looks consistent.' },
    { text: 'Changed handleAuth to check TOKENS.' },
  ]);
  const workspace = makeReplWorkspace();
  mkdirSync(join(workspace.cwd, 'src'));
  writeFileSync(join(workspace.cwd, 'src/auth.js'), 'export function handleAuth(token) {\n  return true;\n}\n');
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({ providers: { local: { type: 'openai-compatible', baseURL: server.baseURL, model: 'fake-coder' } } }));
  session = new PtySession(workspace, [], 120);
  await session.waitForText('jobline:build> ');
  session.send('add authentication to the API');
  const id = await session.startedJob('build');
  await session.waitForText(`[${id.slice(0, 8)}] 🔧 search_code(pattern="handleAuth")`);
  await session.waitForText(`[${id.slice(0, 8)}] 💭 LLM response received`);

  for (const [index, phase] of ['analyze', 'plan', 'implement', 'validate'].entries()) {
    await session.waitForText(`phase ${index + 1}/5 ${phase} completed`);
    await waitFor(async () => (await session!.count(/what next\?/)) === index + 1, `the box for ${phase}`);
    await session!.waitForAnswers();
    if (phase === 'plan') {
      session.type(KEY.down + KEY.down + KEY.down + KEY.enter); // later: look at /jobs first
      await session.waitForText(`${id} waits`);
      session.send('/jobs');
      await session.waitForText(new RegExp(`${id} build\\s+awaiting_approval\\s+2/5 plan\\s+waiting since [^\\n]*\\n\\s+(?:[\\w.-]+ · )?add authentication to the API\\n\\s+Phase plan completed · round 1 of this phase · 2 tool calls · 3 model calls · 360 tokens in all`));
      session.send(`/approve ${id.slice(4, 8)}`);
    } else {
      session.type(KEY.enter);
    }
  }
  await session.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
  await session.waitForText(new RegExp(`\\[${id.slice(0, 8)}\\] 💬 Answer:\\n  \\S`)); // the last phase's answer, in full
  expect(readFileSync(join(workspace.cwd, 'src/auth.js'), 'utf8')).toContain('return TOKENS.has(token);');
  expect(server.requests).toHaveLength(7);
  expect(server.requests[0]!.body.model).toBe('fake-coder');
});
