// Context that stays within bounds (issue 27 §6), against a scripted model server on 127.0.0.1:
// a 10 MB answer is kept cut in job.json (whole in the job's folder, which the next phase's model
// is pointed to and can read), so `show` and `list` still read the job and later calls are not
// sent 10 MB; a provider's contextTokens is never exceeded, the oldest tool results trimmed first.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatTrimmedMarker } from '../../src/agents/llm/context-window.js';
import type { Job } from '../../src/jobs/model/job.js';
import { runCli } from '../helpers/cli.js';
import { FakeModelServer, type RecordedRequest } from '../helpers/fake-model-servers.js';
import { makeManager } from '../helpers/jobs.js';
import { llmAgent, makeWorkspace } from '../helpers/llm.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const sent = (request: RecordedRequest): string => JSON.stringify(request.body.messages);

describe('a 10 MB answer', () => {
  it('is kept whole in the job\'s folder and cut in job.json, which show and list still read; later calls get a pointer, not 10 MB', async () => {
    const huge = `BEGIN ${'word '.repeat(2_000_000)}END`;
    const server = await FakeModelServer.start('openai', [
      { text: huge },
      { toolCalls: [{ name: 'read_file', args: { path: 'job:answers/p1-a1.md', offset: 1, limit: 1 } }] },
      { text: 'Read the start of it.' },
      { text: 'Done.' },
    ]);
    servers.push(server);
    const workspace = makeWorkspace({ 'a.txt': 'alpha\n' });
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, {
      phases: [
        { name: 'think', maxRounds: 2, instructions: 'Think.', tools: [] },
        { name: 'use', maxRounds: 3, instructions: 'Use it.', tools: ['read_file'] },
        { name: 'say', maxRounds: 2, instructions: 'Say.', tools: [] },
      ],
    });
    const { job } = await manager.submit({ agent, prompt: 'think hard', mode: 'background', cwd: workspace });
    await manager.whenIdle();
    const done = manager.get(job.id);
    expect(done.status).toBe('completed');
    const paths = manager.store.pathsOf(job.id);
    expect(statSync(paths.job).size).toBeLessThan(100_000);
    expect(statSync(join(paths.dir, 'answers', 'p1-a1.md')).size).toBe(huge.length);
    expect(done.phases[0]).toMatchObject({ outputFile: 'answers/p1-a1.md' });
    expect(done.phases[0]!.output).toMatch(/^BEGIN word[\s\S]*\n… \[jobline\] \d+ characters of this answer are cut here; the whole answer is in answers\/p1-a1\.md\n[\s\S]*END$/);
    // Every later call was sent the cut answer with a pointer, never the 10 MB.
    for (const request of server.calls.slice(1)) expect(sent(request).length).toBeLessThan(40_000);
    expect(sent(server.calls[1]!)).toContain('read it whole with read_file, path \\"job:answers/p1-a1.md\\"');
    expect(sent(server.calls[2]!)).toMatch(/ {4}1 {2}BEGIN word word/);
    const env = { JOBLINE_JOBS_DIR: manager.store.dir };
    await manager.shutdown();
    const shown = await runCli(['show', job.id], { cwd: workspace, env });
    expect(shown.code).toBe(0);
    const listed = JSON.parse((await runCli(['list', '--json'], { cwd: workspace, env })).stdout) as Job[];
    expect(listed.map((item) => item.id)).toEqual([job.id]);
  });
});

describe('a provider\'s contextTokens', () => {
  it('is never exceeded: the oldest tool results are trimmed first, with a marker', async () => {
    const read = { toolCalls: [{ name: 'read_file', args: { path: 'notes.txt' } }] };
    const server = await FakeModelServer.start('anthropic', [read, read, read, { text: 'Read it thrice.' }]);
    servers.push(server);
    const workspace = makeWorkspace({ 'notes.txt': `${'a note of some length\n'.repeat(150)}` });
    const manager = makeManager();
    const agent = llmAgent(server.baseURL, workspace, { type: 'anthropic', provider: { contextTokens: 3000 }, phases: [{ name: 'work', maxRounds: 6, instructions: 'Work.', tools: ['read_file'] }] });
    const { job } = await manager.submit({ agent, prompt: 'read the notes', mode: 'background', cwd: workspace });
    await manager.whenIdle();
    expect(manager.get(job.id).status).toBe('completed');
    await manager.shutdown();
    const trimmed = formatTrimmedMarker(3300, 3000).replace('(3300 characters) ', '');
    // The third and fourth calls would not fit with every result: the oldest went first.
    expect(sent(server.calls[1]!)).not.toContain('was trimmed');
    const third = sent(server.calls[2]!).replace(/ \(\d+ characters\)/g, '');
    expect(third.split(trimmed.replace(/"/g, '\\"'))).toHaveLength(2);
    expect(third).toContain('a note of some length');
    for (const request of server.calls) expect(JSON.stringify(request.body).length).toBeLessThan(3000 * 3);
  });
});
