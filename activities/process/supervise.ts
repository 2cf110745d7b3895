/**
 * Runs one command as a supervised child: own process group, stdin closed, full output to a log
 * file, a bounded tail in memory, periodic progress callbacks, and group-wide kill on abort.
 * With secrets to hide, output is redacted on its way to the log and the tail.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Redactor } from '../secrets/redact.js';
import { OutputTail } from './output-tail.js';
import { terminate } from '../../src/util/processes.js';
import { removePidFile, writePidFile } from './process-group.js';
import { spawnCommand, type CommandEnd, type NamespaceEntry } from './spawner/spawner-client.js';

export interface SuperviseOptions {
  /** Run directly, never through a shell (a shell command is `/bin/sh`, `-c`, command). */
  file: string;
  args: readonly string[];
  /** The command begins by joining this namespace (`nsenter ...enter`): see spawner-client.ts. */
  joins?: NamespaceEntry;
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

  // Through the worker's spawner: a fork of the worker itself would cost the main thread ms per command.
  const captures = { stdout: capture(log, tail, options.redactor), stderr: capture(log, tail, options.redactor) };
  const child = spawnCommand(
    {
      file: options.file,
      args: options.args,
      ...(options.joins ? { joins: options.joins } : {}),
      cwd: options.cwd,
      env: options.env,
      ...(options.stdinFile ? { stdinFile: options.stdinFile } : {}),
    },
    (chunk, stream) => {
      // A log that cannot keep up holds the command back, as a pipe would.
      if (!captures[stream].write(chunk)) child.pause();
    },
  );
  log.on('drain', () => child.resume());

  // Listening (and heartbeating) from the request on: a cancel may come before the command starts.
  let pid: number | undefined;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    if (pid !== undefined) void terminate(pid, { group: true, graceMs: 2_000 });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setInterval(
    () => options.onProgress({ outputBytes: tail.bytes, lastLine: tail.lastLine, elapsedMs: Date.now() - started }),
    options.progressEveryMs,
  );

  let ended: SuperviseOutcome;
  try {
    pid = await child.started;
    if (pid !== undefined) {
      if (aborted) onAbort();
      await writePidFile(options.pidFile, { pid, attempt: options.attempt, startedAt: started });
    }
    const end = await child.ended;
    // The worker's spawner failed, not the command: an error the attempt is retried for.
    if (end.kind === 'lost') throw new SpawnerLostError(end.message);
    ended = outcomeOf(end, aborted, Date.now() - started, tail);
  } finally {
    clearInterval(timer);
    options.signal.removeEventListener('abort', onAbort);
    // Children of the shell may outlive it while holding our pipes; the group goes with the task.
    if (pid !== undefined) await terminate(pid, { group: true, graceMs: 500 });
    captures.stdout.flush();
    captures.stderr.flush();
    // A stream that failed reports the failure to end()'s callback too; 'close' comes either way.
    await Promise.all([new Promise<void>((resolve) => log.end(() => resolve())), removePidFile(options.pidFile)]);
  }
  return logError === undefined ? ended : { ...ended, logError };
}

/** The worker's process spawner died or hung under a command: the attempt, not the task, failed. */
export class SpawnerLostError extends Error {
  override name = 'SpawnerLost';
}

function outcomeOf(
  end: Exclude<CommandEnd, { kind: 'lost' }>,
  aborted: boolean,
  durationMs: number,
  tail: OutputTail,
): SuperviseOutcome {
  if (end.kind === 'spawn-error') return { kind: 'spawn-error', message: end.message, durationMs, tail };
  // CLIs trap SIGTERM and exit with a code of their own (143): that is still our kill.
  if (aborted) return { kind: 'killed', signal: end.signal ?? 'SIGTERM', durationMs, tail, aborted };
  if (typeof end.exitCode === 'number') return { kind: 'exited', exitCode: end.exitCode, durationMs, tail };
  return { kind: 'killed', signal: end.signal ?? 'SIGKILL', durationMs, tail, aborted };
}

/**
 * Copies one output stream into the log and the tail. Without secrets the bytes go as they came;
 * with secrets, as redacted text, and `flush` writes out the end a redactor held back. `write`
 * says false when the log asks to wait for its 'drain'.
 */
function capture(
  log: fs.WriteStream,
  tail: OutputTail,
  redactor: Redactor | undefined,
): { write: (chunk: Buffer) => boolean; flush: () => void } {
  if (!redactor?.active) {
    return {
      write: (chunk) => {
        tail.push(chunk);
        // After a failed write (a full disk) the log is gone: the tail still gets the output.
        return log.destroyed || log.write(chunk);
      },
      flush: () => undefined,
    };
  }
  const decoder = new StringDecoder('utf8');
  const redacting = redactor.stream();
  const write = (text: string, bytes: number) => {
    tail.add(text, bytes);
    return !text || log.destroyed || log.write(text);
  };
  return {
    write: (chunk) => write(redacting.push(decoder.write(chunk)), chunk.length),
    flush: () => void write(redacting.push(decoder.end()) + redacting.end(), 0),
  };
}
