// An LLM job in the REPL as a user of a coding agent meets it (issue 27 §3, §5), in a real
// pseudo-terminal against a scripted model server: the approval box says how much of a long
// answer it leaves out and `o` reads it whole in the pager; model text streams as it arrives,
// wrapped, while /jobs says the job is writing; a budget stops the job and the box asks to go on;
// k retries a phase keeping its changes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeModelServer, type ScriptedTurn } from '../helpers/fake-model-servers.js';
import { PtySession, makeReplWorkspace, type ReplWorkspace } from '../helpers/pty.js';

const servers: FakeModelServer[] = [];
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function replOn(turns: ScriptedTurn[], agent: Record<string, unknown> = {}): Promise<{ session: PtySession; workspace: ReplWorkspace; server: FakeModelServer }> {
  const server = await FakeModelServer.start('openai', turns);
  servers.push(server);
  const workspace = { ...makeReplWorkspace(), env: { NO_COLOR: '1', PAGER: 'cat' } };
  writeFileSync(join(workspace.cwd, '.jobrc.json'), JSON.stringify({
    defaultAgent: 'planner',
    providers: { local: { type: 'openai-compatible', baseURL: server.baseURL, model: 'fake-model' } },
    agents: { planner: { type: 'llm', provider: 'local', phases: [{ name: 'plan', maxRounds: 5, instructions: 'Plan.', tools: ['list_files'] }, { name: 'deliver', maxRounds: 2, instructions: 'Deliver.', tools: [] }], ...agent } },
  }));
  const session = new PtySession(workspace, [], 100, 30);
  await session.waitForText('jobline:planner> ');
  return { session, workspace, server };
}

it('the box says how much of a 40-step plan it leaves out, and o reads the whole plan in the pager', async () => {
  const plan = Array.from({ length: 40 }, (_, index) => `Step ${index + 1}: change part ${index + 1} of the parser`).join('\n');
  const { session } = await replOn([{ text: plan }, { text: 'Delivered.' }]);
  session.send('plan the parser rewrite');
  const id = await session.startedJob('planner');
  const box = await session.waitForText('Read the whole answer (o)');
  expect(box).toContain('│ … 30 earlier lines not shown (o: read the whole answer)');
  expect(box).toContain('│ Step 40: change part 40 of the parser');
  await session.waitForAnswers();
  session.type('o');
  // The pager (cat) prints the whole answer, each step at the start of its own line, then the question comes back.
  const paged = await session.waitForText(/^Step 1: change part 1 of the parser\n[\s\S]*^Step 40: change part 40 of the parser\n[\s\S]*what next\?/m);
  for (let step = 1; step <= 40; step++) expect(paged).toMatch(new RegExp(`^Step ${step}: change part ${step} of the parser$`, 'm'));
  await session.waitForAnswers();
  session.type('c');
  await session.waitForText(`[${id.slice(0, 8)}] ✅ Completed`);
});

it('model text streams as it arrives, wrapped and whole, while /jobs says the job is writing', async () => {
  const sentence = 'The answer begins with a sentence far longer than one row of this terminal, so that it has to wrap rather than be cut';
  // A piece of text goes out up to its last whitespace (a key is never split across pieces).
  const { session } = await replOn([{ hangAfterText: `${sentence} ` }]);
  session.send('explain');
  const id = await session.startedJob('planner');
  // Not a complete line yet (the model is still writing): shown once the model pauses, whole.
  const screen = await session.waitForText('be cut');
  const label = `[${id.slice(0, 8)}] │ `;
  const rows = screen.split('\n').filter((line) => line.startsWith(label));
  expect(rows.map((line) => line.slice(label.length)).join(' ')).toBe(sentence);
  expect(rows.length).toBeGreaterThan(1);
  session.send('/jobs');
  await session.waitForText(/✍ writing \(\d+ characters\)/);
  session.send(`/cancel ${id}`);
  await session.waitForText(`🚫 Cancelled ${id}`);
});

it('a budget stops the job before its next model call, and the box asks to go on with +50%', async () => {
  const call: ScriptedTurn = { toolCalls: [{ name: 'list_files', args: {} }] };
  const { session, server } = await replOn([call, { text: 'Planned.' }, { text: 'Delivered.' }], { budget: { tokens: 100 } });
  session.send('plan within budget');
  const id = await session.startedJob('planner');
  const box = await session.waitForText('Continue with +50% budget (c)');
  expect(box).toContain(`${id} · phase 1/2 plan stopped at its budget`);
  expect(box).toContain('budget reached: 120 tokens of 100; continue with +50%?');
  expect(box).not.toContain('Retry this phase');
  expect(server.calls).toHaveLength(1);
  await session.waitForAnswers();
  session.type('c');
  // 120 tokens used; the budget is now 170: the second call runs, and the box after the phase asks as usual.
  await session.waitForText('phase 1/2 plan completed');
  expect(server.calls).toHaveLength(2);
});

it('/model lists the provider\'s models (GET /models) and picks the model of new jobs', async () => {
  const { session, server } = await replOn([{ text: 'Planned.' }, { text: 'Delivered.' }]);
  server.models = ['fake-model', 'huge-model', 'tiny-model'];
  session.send('/model');
  await session.waitForText('local: ▸ fake-model, huge-model, tiny-model');
  await session.waitForText("Model: the agent's (fake-model)");
  session.send('/model tiny-model');
  await session.waitForText('Model: tiny-model for new LLM jobs');
  session.send('plan it small');
  await session.startedJob('planner');
  await session.waitForText('phase 1/2 plan completed');
  expect(server.calls[0]!.body.model).toBe('tiny-model');
});

it('k in the box retries keeping the phase\'s changes: the retry starts from the files as they are, and nothing is undone', async () => {
  const edit = { name: 'plan', maxRounds: 5, instructions: 'Plan.', tools: ['write_file'] };
  const { session, workspace, server } = await replOn([
    { toolCalls: [{ name: 'write_file', args: { path: 'notes.md', content: 'first\n' } }] },
    { text: 'Wrote the first notes.' },
  ], { phases: [edit, { name: 'deliver', maxRounds: 2, instructions: 'Deliver.', tools: [] }] });
  git(workspace.cwd, 'init', '-q');
  git(workspace.cwd, 'commit', '-q', '--allow-empty', '-m', 'start');
  session.send('write the notes');
  await session.startedJob('planner');
  await session.waitForText('Retry keeping its changes (with optional feedback) (k)');
  await session.waitForAnswers();
  server.script({ toolCalls: [{ name: 'write_file', args: { path: 'more.md', content: 'second\n' } }] }, { text: 'Added more notes.' });
  session.type('k');
  await session.waitForText('Feedback for the retry');
  session.type('\r');
  await session.waitForText(/attempt 2[\s\S]*what next\?/);
  // The retry was told the first attempt's changes are still there, and both attempts' files are: nothing undone.
  const retried = server.calls.map((call) => JSON.stringify(call.body.messages)).find((text) => text.includes('This phase is being retried'));
  expect(retried).toContain('The user kept those changes: the files still hold them.');
  expect(readFileSync(join(workspace.cwd, 'notes.md'), 'utf8')).toBe('first\n');
  expect(readFileSync(join(workspace.cwd, 'more.md'), 'utf8')).toBe('second\n');
  expect(git(workspace.cwd, 'for-each-ref', 'refs/jobline/undone')).toBe('');
});
