/**
 * Where what is not the command's output goes: the Temporal SDK's and its Rust core's log lines,
 * and the stacks of unexpected errors. They are appended to `<data>/logs/todone.log`, never to
 * stdout (which carries only the command's output, one JSON document with --json); --verbose
 * copies them to stderr as well.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Diagnostics {
  readonly file: string;
  /** Copy every line to stderr too (--verbose). */
  verbose: boolean;
  /** Unexpected errors print their stack on stderr (--debug). */
  debug: boolean;
  /** Appends text (one or more lines) to the log file, and to stderr with --verbose. */
  write(text: string): void;
  /** False once a write to the file failed, so a message never points at a file that is not there. */
  readonly usable: boolean;
}

const MAX_LOG_BYTES = 10 * 1024 * 1024;

export function logFilePath(home: string): string {
  return path.join(home, 'logs', 'todone.log');
}

export function createDiagnostics(home: string, stderr: (text: string) => void): Diagnostics {
  const file = logFilePath(home);
  let fd: number | undefined;
  let usable = true;
  const open = (): number => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    rotate(file);
    return fs.openSync(file, 'a');
  };
  const diagnostics: Diagnostics = {
    file,
    verbose: false,
    debug: false,
    get usable() {
      return usable;
    },
    write(text: string) {
      const body = text.endsWith('\n') ? text : `${text}\n`;
      if (diagnostics.verbose) stderr(body);
      if (!usable) return;
      try {
        fd ??= open();
        // Synchronous on purpose: the CLI ends with process.exit, which would drop buffered writes.
        fs.writeSync(fd, stamp(body));
      } catch {
        usable = false;
      }
    },
  };
  return diagnostics;
}

function stamp(body: string): string {
  const prefix = `${new Date().toISOString()} [${process.pid}] `;
  return (
    body
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => prefix + line)
      .join('\n') + '\n'
  );
}

/** One previous generation is kept; several processes may append to the file at once. */
function rotate(file: string): void {
  try {
    if (fs.statSync(file).size > MAX_LOG_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
}
