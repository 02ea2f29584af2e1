// Names, manifests and templates through the command line, on a real jobs folder: every job gets
// a unique name of words, a name (or a prefix of it) is accepted wherever an id is, an ended job
// has a job_manifest.json that `show --manifest` prints, and `run --template` fills placeholders.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { makeTempDir } from '../helpers/temp.js';
import { buildManifestSchema } from '../../src/store/manifest-file.js';

function project(config: Record<string, unknown> = {}) {
  const cwd = makeTempDir('jobline-names-');
  writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ jobsDir: 'jobs', ...config }));
  return { cwd, jobsDir: join(cwd, 'jobs') };
}

const TEMPLATES = {
  agents: { two: { type: 'command', phases: [{ name: 'make', run: 'echo "made $JOB_PROMPT" > out.txt; echo made' }, { name: 'check', run: 'cat out.txt' }] } },
  templates: {
    greet: { agent: 'sh', prompt: 'echo hello {who} from ${HOME:+home} {{braces}}', mode: 'background', description: 'say hello' },
    pair: { agent: 'sh', prompt: 'pair for {topic}', tasks: [{ name: 'first', input: 'echo first {topic}' }, { name: 'second', input: 'echo second {topic}', dependsOn: ['first'] }] },
  },
};

describe('names, manifests and templates on the command line', () => {
  it('names every job with words, unique in the folder, and takes a name or its prefix wherever an id goes', async () => {
    const { cwd } = project();
    const named = await runCli(['run', '-y', '--name', 'release-notes', 'echo one'], { cwd });
    expect(named.code).toBe(0);
    expect(named.stderr).toMatch(/✅ job-\w{8} release-notes completed/);
    const taken = await runCli(['run', '-y', '--name', 'Release-Notes', 'echo two'], { cwd });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/The name Release-Notes is taken by job-\w{8}; choose another name or delete that job\./);
    const generated = await runCli(['run', '-y', 'echo three'], { cwd });
    const name = /✅ job-\w{8} ([a-z]+-[a-z]+-[a-z]+) completed/.exec(generated.stderr)![1]!;
    const list = await runCli(['list'], { cwd });
    expect(list.stdout).toContain('release-notes · echo one');
    expect(list.stdout).toContain(`${name} · echo three`);
    expect((await runCli(['show', 'release-n'], { cwd })).stdout).toMatch(/Name:\s+release-notes/);
    expect((await runCli(['logs', name], { cwd })).stdout).toContain('three');
    const bad = await runCli(['run', '-y', '--name', 'job-aaaabbbb', 'echo x'], { cwd });
    expect(bad.stderr).toContain('is not a job name');
  });

  it('writes a manifest when a job ends, valid against its schema, and show --manifest prints it', async () => {
    const { cwd, jobsDir } = project(TEMPLATES);
    const run = await runCli(['run', '-y', '--agent', 'two', 'the docs'], { cwd });
    expect(run.code).toBe(0);
    const id = readdirSync(jobsDir).find((entry) => entry.startsWith('job-'))!;
    const path = join(jobsDir, id, 'job_manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    expect(buildManifestSchema().safeParse(manifest).success).toBe(true);
    expect(manifest).toMatchObject({ id, status: 'completed', prompt: 'the docs', tasks: { total: 2, done: 2 }, runs: { total: 2, succeeded: 2 }, finalOutput: 'made the docs', provenance: { agent: 'two' } });
    expect(manifest.phases.map((phase: { name: string }) => phase.name)).toEqual(['make', 'check']);
    expect(manifest.provenance.configHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const shown = await runCli(['show', id, '--manifest'], { cwd });
    expect(JSON.parse(shown.stdout)).toEqual(manifest);
    // The same configuration hashes the same; another agent definition does not.
    await runCli(['run', '-y', '--agent', 'two', 'again'], { cwd });
    const again = readdirSync(jobsDir).filter((entry) => entry.startsWith('job-') && entry !== id).map((other) => JSON.parse(readFileSync(join(jobsDir, other, 'job_manifest.json'), 'utf8')))[0];
    expect(again.provenance.configHash).toBe(manifest.provenance.configHash);
  });

  it('says plainly why a job has no manifest, and refuses a corrupt one', async () => {
    const { cwd, jobsDir } = project();
    await runCli(['run', '-y', 'echo x'], { cwd });
    const id = readdirSync(jobsDir).find((entry) => entry.startsWith('job-'))!;
    writeFileSync(join(jobsDir, id, 'job_manifest.json'), '{"manifestVersion": 1, "id": "\\u001b[31mred"}');
    const corrupt = await runCli(['show', id, '--manifest'], { cwd });
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.stderr).toMatch(/is not a job manifest: /);
    expect(corrupt.stderr).not.toContain('\u001b[31m');
  });

  it('runs a template with its placeholders filled, records it, and names what is missing or unknown', async () => {
    const { cwd, jobsDir } = project(TEMPLATES);
    const listed = await runCli(['templates'], { cwd });
    expect(listed.stdout).toMatch(/greet who=…\s+say hello \(sh\)/);
    expect(listed.stdout).toMatch(/pair\s+topic=…/);
    const run = await runCli(['run', '--template', 'greet', 'who=the world'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('hello the world from home {braces}');
    const id = readdirSync(jobsDir).find((entry) => entry.startsWith('job-'))!;
    expect(JSON.parse(readFileSync(join(jobsDir, id, 'job.json'), 'utf8')).template).toEqual({ name: 'greet', values: { who: 'the world' } });
    const pair = await runCli(['run', '-y', '--template', 'pair', 'topic=tests'], { cwd });
    expect(pair.stdout).toContain('first tests');
    expect(pair.stdout).toContain('second tests');
    const missing = await runCli(['run', '--template', 'greet'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Template greet needs {who}: give who=….');
    const unknown = await runCli(['run', '--template', 'greet', 'who=x', 'whom=y'], { cwd });
    expect(unknown.stderr).toContain('Template greet has no {whom}: give who=….');
    const typo = await runCli(['run', '--template', 'gret', 'who=x'], { cwd });
    expect(typo.stderr).toContain('There is no template gret. Did you mean greet? Templates: greet, pair.');
    expect(existsSync(join(jobsDir, '.names'))).toBe(true);
  });

  it('puts a value into a shell agent\'s command as data, wherever it lands, unless written {raw:name}', async () => {
    const { cwd } = project({ templates: {
      say: { agent: 'sh', prompt: 'echo plain {v}; echo "double {v}"; echo \'single {v}\'' },
      each: { agent: 'sh', prompt: 'each', tasks: [{ name: 'one', input: 'echo task {v}' }] },
      raw: { agent: 'sh', prompt: 'echo raw {raw:v}' },
      note: { agent: 'data', prompt: 'note {v}' },
    }, agents: { data: { type: 'command', phases: [{ name: 'write', run: 'printf %s "$JOB_PROMPT" > note.txt' }] } } });
    const hostile = `x; touch ${join(cwd, 'F')}; echo "$(touch ${join(cwd, 'G')})" 'it'\\''s' \`touch ${join(cwd, 'H')}\``;
    const said = await runCli(['run', '-y', '--template', 'say', `v=${hostile}`], { cwd });
    expect(said.code).toBe(0);
    expect(said.stdout).toContain(`plain ${hostile}\ndouble ${hostile}\nsingle ${hostile}\n`);
    expect((await runCli(['run', '-y', '--template', 'each', `v=${hostile}`], { cwd })).stdout).toContain(`task ${hostile}\n`);
    expect(['F', 'G', 'H'].filter((file) => existsSync(join(cwd, file)))).toEqual([]);
    // {raw:…} is code by choice; a command agent reading its prompt as data gets it as typed.
    expect((await runCli(['run', '-y', '--template', 'raw', `v=one; touch ${join(cwd, 'F')}`], { cwd })).stdout).toContain('raw one\n');
    expect(existsSync(join(cwd, 'F'))).toBe(true);
    expect((await runCli(['run', '-y', '--template', 'note', 'v=a b'], { cwd })).code).toBe(0);
    expect(readFileSync(join(cwd, 'note.txt'), 'utf8')).toBe('note a b');
  });

  it('quotes the same way for /run in the REPL', async () => {
    const { cwd } = project({ templates: { say: { agent: 'sh', prompt: 'echo said {v}' } } });
    const touched = join(cwd, 'F');
    const { code, stdout } = await runCli([], { cwd, input: `/run say v="x; touch ${touched}"\n`, env: { FORCE_COLOR: '0' } });
    expect(code).toBe(0);
    expect(stdout).toContain(`│ said x; touch ${touched}`);
    expect(existsSync(touched)).toBe(false);
  });

  it('quotes the same way when the job comes through the API (the dashboard\'s Run…)', async () => {
    const server = await startServer({ templates: { say: { agent: 'sh', prompt: 'echo said {v}' } } });
    try {
      const touched = join(server.cwd, 'F');
      const { status, body } = await server.api('POST', '/api/jobs', { template: 'say', values: { v: `x; touch ${touched}` }, prompt: '' });
      expect(status).toBe(201);
      expect(body.job.description).toBe(`echo said 'x; touch ${touched}'`);
      await waitFor(async () => (await server.api('GET', `/api/jobs/${body.job.id}`)).body.job.status === 'completed', 'the job to complete');
      expect(existsSync(touched)).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
