import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { makeTempDir } from '../../helpers/temp.js';
import { getMaxWorkers } from '../../../src/config/schema.js';

function setup(files: Record<string, string>): { cwd: string; home: string } {
  const root = makeTempDir();
  const cwd = join(root, 'project');
  const home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return { cwd, home };
}

describe('loadConfig', () => {
  it('applies every default when no file exists', () => {
    const { cwd, home } = setup({});
    expect(loadConfig({ cwd, home })).toEqual({
      path: null,
      config: {
        maxConcurrentJobs: 3, maxWorkers: null, maxUnfinishedJobs: 10, maxCompletedJobs: 20, maxOutputBytes: 67_108_864, whenBusy: 'queue', notify: 'bell', notifyCommand: null, mode: 'interactive',
        cancelGraceMs: 2000, workerLeaseMs: 30_000, workerHeapMb: 512, debug: { keepTempFiles: false }, providers: {}, agents: {}, templates: {}, queue: null,
        isolation: null, worktree: { dir: null, include: [], setup: null }, merge: { auto: false, target: null, strategy: 'merge', check: null },
      },
    });
  });

  it('lets every running job run a task unless maxWorkers says otherwise', () => {
    expect(getMaxWorkers({ maxConcurrentJobs: 3, maxWorkers: null })).toBe(3);
    expect(getMaxWorkers({ maxConcurrentJobs: 5 })).toBe(5); // raising the job cap raises the runs cap with it
    expect(getMaxWorkers({ maxConcurrentJobs: 1, maxWorkers: undefined })).toBe(3); // one job may still run 3 tasks
    expect(getMaxWorkers({ maxConcurrentJobs: 5, maxWorkers: 2 })).toBe(2);
  });

  it('prefers --config, then ./.jobrc.json, then ~/.jobrc.json', () => {
    const { cwd, home } = setup({
      'project/.jobrc.json': '{"maxConcurrentJobs": 2}',
      'home/.jobrc.json': '{"maxConcurrentJobs": 5}',
      'other.json': '{"maxConcurrentJobs": 7}',
    });
    expect(loadConfig({ cwd, home }).config.maxConcurrentJobs).toBe(2);
    expect(loadConfig({ cwd, home, explicitPath: '../other.json' }).config.maxConcurrentJobs).toBe(7);
    expect(loadConfig({ cwd: home, home }).config.maxConcurrentJobs).toBe(5);
  });

  it('names the file, the key and what was expected for unknown keys and bad values', () => {
    const { cwd, home } = setup({ 'project/.jobrc.json': JSON.stringify({ maxConcurentJobs: 4, whenBusy: 'wait', debug: { keepTmpFiles: true } }) });
    let message = '';
    try {
      loadConfig({ cwd, home });
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      message = (error as Error).message;
    }
    expect(message).toContain(`Invalid config in ${join(cwd, '.jobrc.json')}:`);
    expect(message).toContain('maxConcurentJobs: unknown key (did you mean "maxConcurrentJobs"?)');
    expect(message).toContain('whenBusy: Invalid option: expected one of "queue"|"reject"');
    expect(message).toContain('debug.keepTmpFiles: unknown key (did you mean "keepTempFiles"?)');
  });

  it('validates agents, and suggests keys inside them', () => {
    const { cwd, home } = setup({ 'project/.jobrc.json': JSON.stringify({ agents: { lint: { type: 'command', phases: [{ name: 'x', runn: 'eslint .' }] }, Bad: { type: 'shell' } } }) });
    expect(() => loadConfig({ cwd, home })).toThrow(/agents\.lint\.phases\.0\.runn: unknown key \(did you mean "run"\?\)/);
    expect(() => loadConfig({ cwd, home })).toThrow(/agents\.Bad: expected an agent name/);
  });

  it('gives line and column for malformed JSON', () => {
    const { cwd, home } = setup({ 'project/.jobrc.json': '{\n  "mode": "background",\n}' });
    expect(() => loadConfig({ cwd, home })).toThrow(expect.objectContaining({ code: 'CONFIG_PARSE', message: expect.stringMatching(/is not valid JSON: .* at line 3, column 1/) }));
  });

  it('refuses a missing --config file instead of falling back silently', () => {
    const { cwd, home } = setup({});
    expect(() => loadConfig({ cwd, home, explicitPath: 'nope.json' })).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('no such file') }));
  });

  it('resolves module agent paths relative to the config file', () => {
    const { cwd, home } = setup({ 'project/.jobrc.json': JSON.stringify({ agents: { mine: { type: 'module', module: './agents/mine.mjs', phases: [{ name: 'go' }] } } }) });
    expect(loadConfig({ cwd, home }).config.agents.mine).toMatchObject({ module: join(cwd, 'agents/mine.mjs') });
  });
});

describe('.jobrc.example.json', () => {
  it('is itself a valid config whose values are the defaults', async () => {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { parseConfig } = await import('../../../src/config/load-config.js');
    const { configSchema } = await import('../../../src/config/schema.js');
    const path = fileURLToPath(new URL('../../../.jobrc.example.json', import.meta.url));
    const example = parseConfig(readFileSync(path, 'utf8'), path);
    const defaults = configSchema.parse({});
    const { $comment, jobsDir, defaultAgent, workspace, providers, agents, templates, ...settings } = example;
    expect($comment).toBeDefined();
    expect([jobsDir, defaultAgent, workspace]).toEqual([null, null, null]);
    const { agents: defaultAgents, providers: defaultProviders, templates: defaultTemplates, ...defaultSettings } = defaults;
    expect(settings).toEqual(defaultSettings);
    expect([defaultAgents, defaultProviders, defaultTemplates]).toEqual([{}, {}, {}]);
    expect(templates['test-file']).toMatchObject({ agent: 'sh', prompt: 'npm test -- {file}' });
    // The examples the issue asks for: a local Ollama provider and an Anthropic one.
    expect(providers.local).toMatchObject({ type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1' });
    expect(providers.claude).toMatchObject({ type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY' });
    expect(Object.keys(agents)).toEqual(['ci', 'careful-build']);
    // Every key of the schema appears in the example, so it documents them all.
    expect(Object.keys(example).sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});

describe('providers', () => {
  it('checks that llm agents name a configured provider, and that keys come from environment variables', () => {
    const { cwd, home } = setup({ 'project/.jobrc.json': JSON.stringify({ providers: { local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1', model: 'm', apiKeyEnv: 'not a name' } }, agents: { mine: { type: 'llm', provider: 'remote' } } }) });
    let message = '';
    try { loadConfig({ cwd, home }); } catch (error) { message = (error as Error).message; }
    expect(message).toContain('providers.local.apiKeyEnv: expected an environment variable name');
    expect(message).toContain('agents.mine.provider: no provider named "remote" under "providers" (have: local)');
  });

  it('defaults the anthropic key variable to ANTHROPIC_API_KEY, and makes build the default agent', async () => {
    const { cwd, home } = setup({ 'project/.jobrc.json': JSON.stringify({ providers: { claude: { type: 'anthropic', model: 'claude-sonnet-4-5' } } }) });
    const { config } = loadConfig({ cwd, home });
    expect(config.providers.claude).toMatchObject({ apiKeyEnv: 'ANTHROPIC_API_KEY' });
    const { getDefaultAgentName } = await import('../../../src/config/schema.js');
    expect(getDefaultAgentName(config)).toBe('build');
    expect(getDefaultAgentName(loadConfig({ cwd: home, home }).config)).toBe('sh');
  });
});
