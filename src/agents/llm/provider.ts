// Reaching a model: building the AI SDK model for a provider (the API key's value is used here,
// in the worker, and nowhere else; a front end only checks that its variable is set) and turning
// provider failures into messages a user can act on, which never contain the key.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, type LanguageModel } from 'ai';
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
  return createOpenAICompatible({ name: provider.name, baseURL: provider.baseURL, ...(apiKey ? { apiKey } : {}) }).chatModel(model);
}

/** Where a provider is reached, for messages. */
export function describeEndpoint(provider: ProviderSpec): string {
  return provider.baseURL ?? 'https://api.anthropic.com/v1';
}

function networkCode(error: unknown): string | undefined {
  for (let current = error as { cause?: unknown; code?: unknown } | undefined, depth = 0; current && depth < 5; current = current.cause as typeof current, depth++) {
    if (typeof current.code === 'string' && /^E[A-Z]+$/.test(current.code)) return current.code;
  }
  return undefined;
}

/** Returns true for failures worth retrying: rate limits and server errors (408, 409, 429, 5xx). */
export function isRetryableStatus(error: unknown): boolean {
  if (!APICallError.isInstance(error) || error.statusCode === undefined) return false;
  return [408, 409, 429].includes(error.statusCode) || error.statusCode >= 500;
}

/** Milliseconds to wait before retry `attempt` (1-based): Retry-After when the server sent one (at most 60 s), else 1 s, 2 s, 4 s… */
export function getRetryDelayMs(error: unknown, attempt: number): number {
  const headers = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  const retryAfterMs = headers?.['retry-after-ms'];
  const retryAfter = headers?.['retry-after'];
  let ms: number | undefined;
  if (retryAfterMs && !Number.isNaN(Number(retryAfterMs))) ms = Number(retryAfterMs);
  else if (retryAfter) ms = Number.isNaN(Number(retryAfter)) ? Date.parse(retryAfter) - Date.now() : Number(retryAfter) * 1000;
  if (ms !== undefined && Number.isFinite(ms)) return Math.min(60_000, Math.max(0, ms));
  return 1000 * 2 ** (attempt - 1);
}

/** Turns any failure of a model call into one clear sentence, with the key (if any) removed. */
export function describeProviderError(error: unknown, provider: ProviderSpec, attempts: number): string {
  // Scrubbed before anything is cut to length: a key cut in half by firstLine would no longer
  // match as a whole (the worker's boundary also removes fragments, as a second defence).
  const scrubber = new SecretScrubber(readSecrets(provider.apiKeyEnv ? [provider.apiKeyEnv] : []));
  const endpoint = describeEndpoint(provider);
  const where = `providers.${provider.name} in ${provider.configFile ?? 'the config'}`;
  let message: string;
  const code = networkCode(error);
  if (APICallError.isInstance(error) && error.statusCode === undefined && code) {
    message = `cannot reach ${endpoint} (${code}); check ${where}`;
  } else if (APICallError.isInstance(error) && (error.statusCode === 401 || error.statusCode === 403)) {
    message = provider.apiKeyEnv
      ? `${endpoint} refused the API key (HTTP ${error.statusCode}); check the ${provider.apiKeyEnv} environment variable`
      : `${endpoint} requires an API key (HTTP ${error.statusCode}); set "apiKeyEnv" in ${where} and export that variable`;
  } else if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    message = `${endpoint} answered HTTP ${error.statusCode}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${firstLine(scrubber.scrub(error.message))}`;
  } else if (isMalformedStream(error)) {
    message = `the model's response stream from ${endpoint} was malformed or cut short: ${firstLine(scrubber.scrub((error as Error).message))}`;
  } else {
    message = `the model call to ${endpoint} failed: ${firstLine(scrubber.scrub(error instanceof Error ? error.message : String(error)))}`;
  }
  return scrubber.scrub(message);
}

function isMalformedStream(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return /JSONParse|TypeValidation|InvalidResponseData|InvalidStreamPart|EmptyResponseBody|NoOutputGenerated/.test(name)
    || /stream ended|without a finish reason|terminated/i.test((error as Error)?.message ?? '');
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
