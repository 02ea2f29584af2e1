// Where a provider's API key comes from: only the environment variable its config names.
import type { ProviderSpec } from '../agent.js';

/** Returns the API key for `provider` from the environment, or undefined when it uses none (or the variable is unset or blank). */
export function readApiKey(provider: ProviderSpec): string | undefined {
  const value = provider.apiKeyEnv ? process.env[provider.apiKeyEnv] : undefined;
  return value && value.trim() !== '' ? value : undefined;
}
