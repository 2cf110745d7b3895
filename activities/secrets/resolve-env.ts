/**
 * A board's `{ fromEnv: NAME }` references, read from the worker's own environment when the task's
 * process starts. The values live only in this process's memory and the child's environment; the
 * redactor (redact.ts) keeps them out of everything the attempt writes or returns.
 */
import { isEnvReference, type EnvValue } from '../../src/core/board.js';

export interface Secret {
  /** The variable the agent sees it as. */
  name: string;
  value: string;
}

export type ResolvedEnv =
  | { env: Record<string, string>; secrets: Secret[] }
  /** References to variables the worker does not have: the attempt cannot run as configured. */
  | { missing: string[] };

export function resolveEnv(vars: Readonly<Record<string, EnvValue>>, workerEnv: NodeJS.ProcessEnv): ResolvedEnv {
  const env: Record<string, string> = {};
  const secrets: Secret[] = [];
  const missing: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!isEnvReference(value)) {
      env[name] = value;
      continue;
    }
    const resolved = workerEnv[value.fromEnv];
    if (resolved === undefined) {
      missing.push(name === value.fromEnv ? name : `${name} (from ${value.fromEnv})`);
      continue;
    }
    env[name] = resolved;
    secrets.push({ name, value: resolved });
  }
  return missing.length > 0 ? { missing } : { env, secrets };
}

export function missingEnvMessage(missing: readonly string[]): string {
  const list = missing.join(', ');
  return (
    `the board refers to ${missing.length === 1 ? 'a variable' : 'variables'} the worker's environment does not have: ${list}. ` +
    'Set it where `todone worker` (or `todone run`, whose worker runs the tasks) is started.'
  );
}
