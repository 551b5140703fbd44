import { AsyncLocalStorage } from 'node:async_hooks';

const apiKeys = new AsyncLocalStorage<string>();

/**
 * Runs `fn` (and everything it awaits) as a request authenticated by an API key: audit entries
 * written down the call chain name the key beside its creator, without each caller passing it.
 */
export function runWithApiKey<T>(apiKeyId: string, fn: () => T): T {
  return apiKeys.run(apiKeyId, fn);
}

/** The API key the current request came with, if any. */
export function currentApiKeyId(): string | undefined {
  return apiKeys.getStore();
}
