/** What a command may touch of the outside world, passed in so tests can capture it. */
export interface CommandIO {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Live footers only make sense on a terminal. */
  isTTY: boolean;
}

export function processIO(): CommandIO {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
  };
}
