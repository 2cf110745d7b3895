/** Runs the real `todone` executable (bin/todone.js over dist/) as a child process. */
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const TODONE_BIN = fileURLToPath(new URL('../../bin/todone.js', import.meta.url));

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface CliResult {
  exitCode: number;
  /** The signal that ended it, when one did (a crash test's SIGKILL). */
  signal?: string;
  stdout: string;
  stderr: string;
}

function childEnv(env: CliOptions['env']): Record<string, string | undefined> {
  // No colours or live footers in captured output; never inherit a cluster address by accident.
  return { NO_COLOR: '1', FORCE_COLOR: '0', TEMPORAL_ADDRESS: undefined, ...env };
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await execa('node', [TODONE_BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
  });
  return {
    exitCode: result.exitCode ?? -1,
    ...(result.signal ? { signal: result.signal } : {}),
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

export function spawnCli(args: string[], options: CliOptions = {}): ResultPromise {
  return execa('node', [TODONE_BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
  });
}
