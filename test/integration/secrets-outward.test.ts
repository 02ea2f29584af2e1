// Secrets on every outward path (issue 27 §7): a key fragment in a file name the model chose, and
// the key in the file's content, reach neither the API (a job, the board, a task page, the phase's
// diff), the live event stream, nor the files, through a real `jobline serve` on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { MIN_SECRET_FRAGMENT } from '../../src/text/secrets.js';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { PLANTED_KEY, makeWorkspace } from '../helpers/llm.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let model: FakeModelServer | null = null;
let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  await model?.close();
});

// The longest piece of the key found in `text` (0: none of MIN_SECRET_FRAGMENT characters).
function leakedPiece(text: string): string {
  for (let length = PLANTED_KEY.length; length >= MIN_SECRET_FRAGMENT; length--) {
    for (let start = 0; start + length <= PLANTED_KEY.length; start++) if (text.includes(PLANTED_KEY.slice(start, start + length))) return PLANTED_KEY.slice(start, start + length);
  }
  return '';
}

it('a key in a file name and in a file\'s content reaches no answer of the API and no event', async () => {
  const fileName = `notes-${PLANTED_KEY.slice(3, 17)}.txt`;
  model = await FakeModelServer.start('openai', [
    { toolCalls: [{ name: 'write_file', args: { path: fileName, content: `token = ${PLANTED_KEY}\n` } }] },
    { text: 'Wrote the notes.' },
  ]);
  const workspace = makeWorkspace({ 'README.md': 'hello\n' });
  execFileSync('git', ['init', '-q'], { cwd: workspace });
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'start', '--allow-empty'], { cwd: workspace });
  server = await startServer({
    providers: { local: { type: 'openai-compatible', baseURL: model.baseURL, model: 'fake-model', apiKeyEnv: 'JOBLINE_TEST_KEY' } },
    agents: { mine: { type: 'llm', provider: 'local', phases: [{ name: 'change', maxRounds: 3, instructions: 'Change.', tools: ['write_file'] }, { name: 'deliver', maxRounds: 2, instructions: 'Deliver.', tools: [] }] } },
  }, { cwd: workspace });
  // The live stream, from before the job is submitted.
  const stream = await fetch(`http://127.0.0.1:${server.port}/api/events?live=true`, { headers: { authorization: `Bearer ${server.token}` } });
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let events = '';
  void (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read()) events += read.value;
  })().catch(() => {});
  const { body: submitted } = await server.api('POST', '/api/jobs', { agent: 'mine', prompt: 'write the notes', mode: 'interactive', cwd: workspace });
  const id = submitted.job.id as string;
  await waitFor(async () => (await server!.api('GET', `/api/jobs/${id}`)).body.job.status === 'awaiting_approval', 'the phase to wait for approval');
  await waitFor(() => events.includes('approval_requested'), 'the approval on the stream');
  const answers = await Promise.all([`/api/jobs/${id}`, '/api/board', `/api/jobs/${id}/task-page?phase=0`, `/api/jobs/${id}/phases/0/diff`, '/api/jobs'].map(async (path) => {
    const response = await fetch(`http://127.0.0.1:${server!.port}${path}`, { headers: { authorization: `Bearer ${server!.token}` } });
    return `${path}: ${await response.text()}`;
  }));
  await reader.cancel();
  const job = JSON.parse(answers[0]!.slice(answers[0]!.indexOf(' ') + 1)).job;
  // The file is there, named with the fragment scrubbed, and the diff shows its line scrubbed.
  expect(job.phases[0].changes.files).toEqual([{ path: 'notes***.txt', added: 1, removed: 0 }]);
  expect(answers[3]).toContain('+token = ***');
  for (const text of [...answers, events]) expect(leakedPiece(text)).toBe('');
});
