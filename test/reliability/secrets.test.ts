// Secrets: an API key planted in the environment never reaches any file under the jobs folder,
// the history, or anything jobline prints, even when a server echoes it back in its errors.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startPipedRepl } from '../helpers/cli.js';
import { FakeModelServer } from '../helpers/fake-model-servers.js';
import { PLANTED_KEY } from '../helpers/llm.js';
import { makeTempDir } from '../helpers/temp.js';
import { recordResult } from './scale.js';

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

describe('secrets', () => {
  it('a planted API key appears in no job file, log, history or output', async () => {
    const echoing = { error: { message: `invalid key ${PLANTED_KEY}`, type: 'invalid_request_error' } };
    const rejecting = await FakeModelServer.start('openai', [{ status: 401, body: JSON.stringify(echoing) }]);
    // The key near character 232 of a long error text: a scrubber run after cutting it to 300
    // characters would have missed the cut key.
    const longError = `upstream rejected the request: ${'detail '.repeat(28)}Authorization: Bearer ${PLANTED_KEY} ${'more '.repeat(40)}`;
    const failing = await FakeModelServer.start('anthropic', [{ status: 500, headers: { 'retry-after': '0' }, body: JSON.stringify({ type: 'error', error: { type: 'api_error', message: longError } }) }, { status: 500, headers: { 'retry-after': '0' }, body: '{}' }, { status: 500, headers: { 'retry-after': '0' }, body: '{}' }, { status: 500, headers: { 'retry-after': '0' }, body: '{}' }]);
    // A model that runs the allowed `npm test` (whose script prints the key's variable) and then
    // answers with the key in a successful (200) reply.
    const echoingOk = await FakeModelServer.start('openai', [
      { toolCalls: [{ name: 'run_command', args: { command: 'npm test' } }] },
      { text: `Done. For the record, your key is ${PLANTED_KEY}.` },
    ]);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gonePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const cwd = makeTempDir();
      const home = makeTempDir();
      const jobsDir = join(cwd, 'jobs');
      const phases = [{ name: 'work', maxRounds: 3, instructions: 'Work.', tools: ['read_file', 'run_command'] }];
      writeFileSync(join(cwd, 'package.json'), JSON.stringify({ scripts: { test: 'echo "key=$JOBLINE_TEST_KEY"' } }));
      writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({
        mode: 'background',
        debug: { keepTempFiles: true },
        providers: {
          rejecting: { type: 'openai-compatible', baseURL: rejecting.baseURL, model: 'm', apiKeyEnv: 'JOBLINE_TEST_KEY' },
          failing: { type: 'anthropic', baseURL: failing.baseURL, model: 'm', apiKeyEnv: 'JOBLINE_TEST_KEY' },
          gone: { type: 'openai-compatible', baseURL: `http://127.0.0.1:${gonePort}/v1`, model: 'm', apiKeyEnv: 'JOBLINE_TEST_KEY' },
          echoing: { type: 'openai-compatible', baseURL: echoingOk.baseURL, model: 'm', apiKeyEnv: 'JOBLINE_TEST_KEY' },
        },
        agents: Object.fromEntries(['rejecting', 'failing', 'gone', 'echoing'].map((name) => [name, { type: 'llm', provider: name, phases }])),
      }));
      const repl = startPipedRepl(cwd, { JOBLINE_JOBS_DIR: jobsDir, HOME: home, JOBLINE_TEST_KEY: PLANTED_KEY });
      for (const agent of ['rejecting', 'failing', 'gone', 'echoing']) {
        repl.send(`/agent ${agent}`);
        repl.send(`use the key`);
      }
      await repl.until(/(❌ .*\n[^]*){3}/, 30_000);
      await repl.until(/✅ .*[Cc]ompleted/, 30_000);
      repl.send('/jobs');
      await repl.until('Jobs (4 total, 0 active)');
      const ids = [...repl.output.matchAll(/(?:Started|Queued) (job-\w{8})/g)].map((match) => match[1]!);
      for (const id of ids) repl.send(`/jobs ${id}`);
      for (const id of ids) repl.send(`/logs ${id}`);
      await repl.until(/(Files:[^]*){4}/);
      const { stderr } = await repl.end();
      const list = await runCli(['list', '--json'], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } });
      const shows = await Promise.all(ids.map((id) => runCli(['show', id], { cwd, env: { JOBLINE_JOBS_DIR: jobsDir } })));

      expect(repl.output).toContain('refused the API key (HTTP 401); check the JOBLINE_TEST_KEY environment variable');
      expect(repl.output).toContain(`cannot reach http://127.0.0.1:${gonePort}/v1 (ECONNREFUSED)`);
      const printed = [repl.output, stderr, list.stdout, list.stderr, ...shows.flatMap((show) => [show.stdout, show.stderr])].join('\n');
      const files = [...allFiles(jobsDir), ...allFiles(home)];
      const leaks = files.filter((file) => readFileSync(file, 'utf8').includes(PLANTED_KEY));
      recordResult('secrets', { filesScanned: files.length, bytesOfOutputScanned: printed.length, leaks: leaks.length + (printed.includes(PLANTED_KEY) ? 1 : 0) });
      expect(leaks).toEqual([]);
      expect(printed).not.toContain(PLANTED_KEY);
      // The tool command ran without the key in its environment, so nothing sent the key back to
      // the model except the Authorization header.
      const bodies = JSON.stringify(echoingOk.requests.map((request) => request.body));
      expect(bodies).toContain('key=');
      expect(bodies).not.toContain(PLANTED_KEY);
    } finally {
      await echoingOk.close();
      await rejecting.close();
      await failing.close();
    }
  }, 60_000);
});
