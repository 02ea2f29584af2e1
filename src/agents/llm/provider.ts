// Reaching a model: building the AI SDK model for a provider (the API key's value is used here,
// in the worker, and nowhere else; a front end only checks that its variable is set) and turning
// provider failures into messages a user can act on, which never contain the key.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, type LanguageModel } from 'ai';
import { classifyModelFailure, describeModelFailure, type ModelFailure } from './model-failures.js';
import type { ProviderSpec } from '../agent.js';
import { SecretScrubber, readSecrets } from '../../text/secrets.js';
import { readApiKey } from './api-key.js';

/** A provider problem whose message is ready for the user. */
export class ProviderError extends Error {}

/**
 * Builds the model `model` of `provider`.
 * @throws ProviderError when the provider needs a key and its environment variable is not set.
 */
export function createModel(provider: ProviderSpec, model: string): LanguageModel {
  const apiKey = readApiKey(provider);
  if (provider.apiKeyEnv && !apiKey) {
    throw new ProviderError(`the ${provider.apiKeyEnv} environment variable is not set; providers.${provider.name} reads its API key from it`);
  }
  if (provider.type === 'anthropic') {
    return createAnthropic({ apiKey, ...(provider.baseURL ? { baseURL: provider.baseURL } : {}) })(model);
  }
  // includeUsage: the stream's last chunk carries the call's tokens (stream_options.include_usage).
  return createOpenAICompatible({ name: provider.name, baseURL: provider.baseURL, includeUsage: true, ...(apiKey ? { apiKey } : {}) }).chatModel(model);
}

/** How long listing a provider's models may take (ms). */
const LIST_MODELS_TIMEOUT_MS = 5000;

/**
 * The ids of the models `provider` offers (`GET /models`: OpenAI-compatible servers, Ollama,
 * Anthropic), sorted. @throws ProviderError saying why they could not be listed (the provider
 * has no such endpoint, refused the key, or could not be reached); its message holds no key.
 */
export async function listModels(provider: ProviderSpec): Promise<string[]> {
  const apiKey = readApiKey(provider);
  const endpoint = describeEndpoint(provider).replace(/\/+$/, '');
  const headers: Record<string, string> = provider.type === 'anthropic'
    ? { 'anthropic-version': '2023-06-01', ...(apiKey ? { 'x-api-key': apiKey } : {}) }
    : apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const scrubber = new SecretScrubber(readSecrets(provider.apiKeyEnv ? [provider.apiKeyEnv] : []));
  let response: Response;
  try {
    response = await fetch(`${endpoint}/models`, { headers, signal: AbortSignal.timeout(LIST_MODELS_TIMEOUT_MS) });
  } catch (error) {
    throw new ProviderError(scrubber.scrub(`cannot reach ${endpoint}/models (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`));
  }
  if (!response.ok) throw new ProviderError(`${endpoint}/models answered HTTP ${response.status}${response.status === 404 ? ' (this provider does not list its models)' : ''}`);
  const body = (await response.json().catch(() => null)) as { data?: Array<{ id?: unknown }>; models?: Array<{ name?: unknown }> } | null;
  const ids = [...(body?.data ?? []).map((model) => model.id), ...(body?.models ?? []).map((model) => model.name)].filter((id): id is string => typeof id === 'string');
  return [...new Set(ids)].sort();
}

/** Where a provider is reached, for messages. */
export function describeEndpoint(provider: ProviderSpec): string {
  return provider.baseURL ?? 'https://api.anthropic.com/v1';
}

/**
 * Milliseconds to wait before retry `attempt` (1-based): Retry-After when the server sent one (at
 * most 60 s), else `baseMs` doubling (1 s, 2 s, 4 s… by default; a provider's retryDelayMs).
 */
export function getRetryDelayMs(error: unknown, attempt: number, baseMs = 1000): number {
  const headers = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  const retryAfterMs = headers?.['retry-after-ms'];
  const retryAfter = headers?.['retry-after'];
  let ms: number | undefined;
  if (retryAfterMs && !Number.isNaN(Number(retryAfterMs))) ms = Number(retryAfterMs);
  else if (retryAfter) ms = Number.isNaN(Number(retryAfter)) ? Date.parse(retryAfter) - Date.now() : Number(retryAfter) * 1000;
  if (ms !== undefined && Number.isFinite(ms)) return Math.min(60_000, Math.max(0, ms));
  return baseMs * 2 ** (attempt - 1);
}

/**
 * Turns any failure of a model call, after `attempts` attempts, into one clear sentence with the
 * key (if any) removed (see model-failures.ts for what is told apart).
 */
export function describeProviderError(error: unknown, provider: ProviderSpec, attempts: number): string {
  // Scrubbed before anything is cut to length: a key cut in half by the sentence's cut would no
  // longer match as a whole (the worker's boundary also removes fragments, as a second defence).
  const scrubber = new SecretScrubber(readSecrets(provider.apiKeyEnv ? [provider.apiKeyEnv] : []));
  const failure = classifyModelFailure(error);
  const scrubbed: ModelFailure = { ...failure, detail: scrubber.scrub(failure.detail) };
  const where = `providers.${provider.name} in ${provider.configFile ?? 'the config'}`;
  return scrubber.scrub(describeModelFailure(scrubbed, describeEndpoint(provider), where, provider.apiKeyEnv, attempts));
}
