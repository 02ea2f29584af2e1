// What a new job is made of (new-job.ts): the budget and the model an LLM job starts with (the
// submission's, else its agent's config), what other agents' jobs carry of them (nothing), and
// the actions a resume is made of.
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../../src/agents/agent.js';
import { buildNewJob, resumeActions } from '../../../src/jobs/service/new-job.js';
import { commandAgent, makeJob } from '../../helpers/jobs.js';

const NOW = '2026-12-06T10:00:00.000Z';
const OWNER = { pid: 1, hostname: 'h', processStartedAt: NOW };

const llm = (budget?: { tokens?: number; usd?: number }): AgentSpec => ({ type: 'llm', name: 'writer', summary: 'w', provider: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'K' }, model: 'm', phases: [{ name: 'write' }], workspace: '/w', allowCommands: [], secretEnvNames: [], ...(budget ? { budget } : {}) }) as unknown as AgentSpec;
const build = (agent: AgentSpec, extra: Record<string, unknown> = {}) => buildNewJob({ agent, prompt: 'do it', mode: 'background', cwd: '/w', ...extra }, 'job-aaaa1111', OWNER, NOW).job;

describe('a new job', () => {
  it("of an LLM agent takes the submission's budget, else its agent's, else none", () => {
    expect(build(llm({ tokens: 1000 })).budget).toEqual({ tokens: 1000 });
    expect(build(llm({ tokens: 1000 }), { budget: { usd: 2 } }).budget).toEqual({ usd: 2 });
    expect(build(llm()).budget ?? null).toBeNull();
  });

  it("of another agent takes the submission's budget only (a command agent's config has none)", () => {
    const agent = { ...commandAgent('two', { a: 'true' }), budget: { tokens: 5 } } as unknown as AgentSpec;
    expect(build(agent).budget ?? null).toBeNull();
    expect(build(agent, { budget: { tokens: 7 } }).budget).toEqual({ tokens: 7 });
  });

  it('of an LLM agent keeps the model asked for; of another agent, none', () => {
    expect(build(llm(), { model: 'bigger' }).model).toBe('bigger');
    expect(build(llm()).model ?? null).toBeNull();
    expect(build(commandAgent('two', { a: 'true' }), { model: 'bigger' }).model ?? null).toBeNull();
  });
});

describe('the actions of a resume', () => {
  it('carry retryFailed and the model only when asked', () => {
    const job = makeJob({ status: 'interrupted' });
    expect(resumeActions(job, 'interactive')).toEqual([{ type: 'resume', mode: 'interactive' }]);
    expect(resumeActions(job, 'background', true)).toEqual([{ type: 'resume', mode: 'background', retryFailed: true }]);
    expect(resumeActions(job, 'background', false, 'bigger')).toEqual([{ type: 'resume', mode: 'background', model: 'bigger' }]);
    expect(resumeActions(job, 'background', true, 'bigger')).toEqual([{ type: 'resume', mode: 'background', retryFailed: true, model: 'bigger' }]);
  });
});
