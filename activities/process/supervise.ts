/**
 * Runs one command as a supervised child: own process group, stdin closed, full output to a log
 * file, a bounded tail in memory, periodic progress callbacks, and group-wide kill on abort.
 * With secrets to hide, output is redacted on its way to the log and the tail.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { Redactor } from '../secrets/redact.js';
import { OutputTail } from './output-tail.js';
import { terminate } from '../../src/util/processes.js';
import { removePidFile, writePidFile } from './process-group.js';

export interface SuperviseOptions {
  /** Run directly, never through a shell (a shell command is `/bin/sh`, `-c`, command). */
  file: string;
  args: readonly string[];
  cwd: string;
  /** The command's whole environment: nothing of the worker's is added (sandbox/task-env.ts). */
  env: Record<string, string>;
  logPath: string;
  /** Append to the log instead of starting it afresh (several commands, one log). */
  appendLog?: boolean;
  pidFile: string;
  attempt: number;
  signal: AbortSignal;
  progressEveryMs: number;
  onProgress: (progress: { outputBytes: number; lastLine: string; elapsedMs: number }) => void;
  /** The task's resolved secret values: none of them reaches the log or the tail. */
  redactor?: Redactor;
  /** Fed to the command's stdin (a reduce command reads its inputs there); otherwise stdin is closed. */
  stdinFile?: string;
}

export type SuperviseOutcome = (
  | { kind: 'exited'; exitCode: number; durationMs: number; tail: OutputTail }
  | { kind: 'killed'; signal: string; durationMs: number; tail: OutputTail; aborted: boolean }
  | { kind: 'spawn-error'; message: string; durationMs: number; tail: OutputTail }
) & {
  /** Why the log could not be written (a full disk): it is incomplete, though the command ran. */
  logError?: string;
};

export async function supervise(options: SuperviseOptions): Promise<SuperviseOutcome> {
  const tail = new OutputTail();
  const log = fs.createWriteStream(options.logPath, { flags: options.appendLog ? 'a' : 'w' });
  // Without a listener a failed write (a full disk) would be an uncaught error that ends the worker.
  let logError: string | undefined;
  log.on('error', (error) => (logError ??= error.message));
  const started = Date.now();

  const child = execa(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    // Agents wait on an open stdin; a new process group lets cancellation reach grandchildren.
    stdin: options.stdinFile ? { file: options.stdinFile } : 'ignore',
    detached: true,
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });

  const flushes = [child.stdout, child.stderr].map((stream) =>
    stream ? capture(stream, log, tail, options.redactor) : () => undefined,
  );

  if (child.pid !== undefined) {
    await writePidFile(options.pidFile, { pid: child.pid, attempt: options.attempt, startedAt: started });
  }

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    if (child.pid !== undefined) void terminate(child.pid, { group: true, graceMs: 2_000 });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const timer = setInterval(
    () => options.onProgress({ outputBytes: tail.bytes, lastLine: tail.lastLine, elapsedMs: Date.now() - started }),
    options.progressEveryMs,
  );

  let ended: SuperviseOutcome;
  try {
    ended = outcomeOf(await child, aborted, Date.now() - started, tail);
  } finally {
    clearInterval(timer);
    options.signal.removeEventListener('abort', onAbort);
    // Children of the shell may outlive it while holding our pipes; the group goes with the task.
    if (child.pid !== undefined) await terminate(child.pid, { group: true, graceMs: 500 });
    for (const flush of flushes) flush();
    // A stream that failed reports the failure to end()'s callback too; 'close' comes either way.
    await Promise.all([new Promise<void>((resolve) => log.end(() => resolve())), removePidFile(options.pidFile)]);
  }
  return logError === undefined ? ended : { ...ended, logError };
}

function outcomeOf(
  result: Awaited<ReturnType<typeof execa>>,
  aborted: boolean,
  durationMs: number,
  tail: OutputTail,
): SuperviseOutcome {
  // CLIs trap SIGTERM and exit with a code of their own (143): that is still our kill.
  if (aborted) return { kind: 'killed', signal: result.signal ?? 'SIGTERM', durationMs, tail, aborted };
  if (typeof result.exitCode === 'number') return { kind: 'exited', exitCode: result.exitCode, durationMs, tail };
  if (result.signal) return { kind: 'killed', signal: result.signal, durationMs, tail, aborted };
  return { kind: 'spawn-error', message: result.shortMessage ?? result.message ?? 'could not start', durationMs, tail };
}

/**
 * Copies one output stream into the log and the tail. Without secrets the bytes go as they came;
 * with secrets, as redacted text. Returns what writes out the end a redactor held back.
 */
function capture(stream: Readable, log: fs.WriteStream, tail: OutputTail, redactor: Redactor | undefined): () => void {
  if (!redactor?.active) {
    stream.on('data', (chunk: Buffer) => tail.push(chunk));
    stream.pipe(log, { end: false });
    return () => undefined;
  }
  const decoder = new StringDecoder('utf8');
  const redacting = redactor.stream();
  let flushed = false;
  const write = (text: string, bytes: number) => {
    tail.add(text, bytes);
    if (text) log.write(text);
  };
  stream.on('data', (chunk: Buffer) => write(redacting.push(decoder.write(chunk)), chunk.length));
  const flush = () => {
    if (flushed) return;
    flushed = true;
    write(redacting.push(decoder.end()) + redacting.end(), 0);
  };
  stream.once('end', flush);
  return flush;
}
