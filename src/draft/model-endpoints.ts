/**
 * Where the drafting agent's model API is, when the environment points its CLI elsewhere than the
 * public default (a gateway on the machine, a company proxy on a private address): the default
 * network policy refuses those unless allowed, and the agent cannot draft without its model.
 */
const MODEL_URL_VARIABLES = ['ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL', 'GOOGLE_GEMINI_BASE_URL'] as const;

/** `host:port` of each model URL the environment names (the scheme's port when it gives none). */
export function modelEndpoints(env: Record<string, string | undefined>): string[] {
  const endpoints = new Set<string>();
  for (const name of MODEL_URL_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      // Not a URL: the agent's CLI says so itself.
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    endpoints.add(`${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`);
  }
  return [...endpoints];
}
