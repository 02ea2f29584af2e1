// Building LLM agents for tests through the real config schema and resolver.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentSpec } from '../../src/agents/agent.js';
import { resolveAgent } from '../../src/agents/resolve-agent.js';
import { configSchema } from '../../src/config/schema.js';
import { makeTempDir } from './temp.js';

/** The API key the tests plant; it must never appear in any job file or message. */
export const PLANTED_KEY = 'sk-planted-7f3c9e1d2b4a6f80';
process.env.JOBLINE_TEST_KEY = PLANTED_KEY;

/** A workspace folder holding `files` (relative path → content). */
export function makeWorkspace(files: Record<string, string>): string {
  const root = makeTempDir('jobline-ws-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** Options for `llmAgent`. */
export interface LlmAgentOptions {
  type?: 'openai-compatible' | 'anthropic';
  phases?: Array<{ name: string; maxRounds: number; instructions: string; tools: string[] }>;
  allowCommands?: string[];
  apiKeyEnv?: string | null;
  idleTimeoutMs?: number;
  /** The provider's first retry delay (ms); tests use 0 or a few ms. */
  retryDelayMs?: number;
  /** Any other provider settings (price, prices, contextTokens). */
  provider?: Record<string, unknown>;
  /** Any other agent settings (validate, budget, instructions, model). */
  agent?: Record<string, unknown>;
}

/** Resolves an llm agent `mine` on a provider at `baseURL`, as a user's config would define it. */
export function llmAgent(baseURL: string, workspace: string, options: LlmAgentOptions = {}): AgentSpec {
  const type = options.type ?? 'openai-compatible';
  const apiKeyEnv = options.apiKeyEnv === undefined ? 'JOBLINE_TEST_KEY' : options.apiKeyEnv;
  const provider = { type, baseURL, model: 'fake-model', ...(apiKeyEnv ? { apiKeyEnv } : {}), ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}), ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}), ...options.provider };
  const phases = options.phases ?? [
    { name: 'inspect', maxRounds: 5, instructions: 'Look around.', tools: ['list_files', 'read_file', 'search_code'] },
    { name: 'change', maxRounds: 5, instructions: 'Make the change.', tools: ['read_file', 'edit_file', 'write_file', 'run_command'] },
  ];
  const config = configSchema.parse({ providers: { local: provider }, agents: { mine: { type: 'llm', provider: 'local', phases, ...(options.allowCommands ? { allowCommands: options.allowCommands } : {}), ...options.agent } } });
  return resolveAgent('mine', config, workspace);
}
