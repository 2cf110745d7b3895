import { todoneHome } from '../data-dir.js';
import { createDiagnostics, type Diagnostics } from './diagnostics.js';

/** What a command may touch of the outside world, passed in so tests can capture it. */
export interface CommandIO {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Live footers only make sense on a terminal. */
  isTTY: boolean;
  /** SDK and server log lines, stacks of unexpected errors: a log file, never stdout. */
  diagnostics: Diagnostics;
}

export function processIO(): CommandIO {
  const stderr = (text: string) => void process.stderr.write(text);
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr,
    isTTY: Boolean(process.stderr.isTTY),
    diagnostics: createDiagnostics(todoneHome(process.env), stderr),
  };
}
