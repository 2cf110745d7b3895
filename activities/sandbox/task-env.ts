/**
 * The environment a task starts from. Not the worker's: an API key, a cloud credential or a
 * TEMPORAL_* / TODONE_* setting exported for the worker would otherwise reach every agent and shell
 * task. A task gets the few variables any program expects (PATH, HOME, USER, the locale, the
 * terminal, the time zone, the temp folder, where certificates are), the variables its agent's CLI reads for its model,
 * credentials and config, and what the board passes by name (`passEnv`); the board's own `env` and
 * Todone's variables are laid over that by the caller.
 */
import type { AgentKind } from '../../src/core/board.js';
import { looksSecret } from '../../src/board/secret-names.js';
import type { Secret } from '../secrets/resolve-env.js';

/** `NAME_*` stands for every variable starting with `NAME_`. */
const EVERY_TASK = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'TZ',
  'TMPDIR',
  // Where the machine's certificates are: behind a TLS-inspecting proxy nothing connects without them.
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'PIP_CERT',
  'XDG_CONFIG_HOME',
];

/** What each agent's CLI reads for its model API and config; shell and custom tasks get none of it. */
export const AGENT_VARIABLES: Record<AgentKind, readonly string[]> = {
  claude: [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_MODEL',
    'ANTHROPIC_SMALL_FAST_MODEL',
    'ANTHROPIC_CUSTOM_HEADERS',
    'CLAUDE_CONFIG_DIR',
    'CLAUDE_CODE_*',
  ],
  codex: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID', 'CODEX_HOME'],
  gemini: [
    'GEMINI_API_KEY',
    'GEMINI_MODEL',
    'GOOGLE_API_KEY',
    'GOOGLE_GEMINI_BASE_URL',
    'GOOGLE_CLOUD_PROJECT',
    'GOOGLE_CLOUD_LOCATION',
    'GOOGLE_GENAI_USE_VERTEXAI',
    'GOOGLE_APPLICATION_CREDENTIALS',
  ],
  aider: [
    'AIDER_*',
    'OPENAI_API_KEY',
    'OPENAI_API_BASE',
    'ANTHROPIC_API_KEY',
    'GEMINI_API_KEY',
    'DEEPSEEK_API_KEY',
    'OPENROUTER_API_KEY',
  ],
  shell: [],
  custom: [],
};

/** The worker's variables a task of this kind starts with (before the board's env and Todone's own). */
export function baseEnvironment(
  workerEnv: NodeJS.ProcessEnv,
  kind: AgentKind,
  passEnv: readonly string[],
): Record<string, string> {
  const patterns = [...EVERY_TASK, ...AGENT_VARIABLES[kind], ...passEnv];
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(workerEnv)) {
    if (value === undefined) continue;
    if (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return env;
}

/**
 * Every worker variable whose name looks secret, passed to the task or not: a task can find a
 * value elsewhere (a file, a process), and whatever it prints is redacted before it is kept.
 */
export function workerSecrets(workerEnv: NodeJS.ProcessEnv): Secret[] {
  return Object.entries(workerEnv)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && looksSecret(entry[0]))
    .map(([name, value]) => ({ name, value }));
}
