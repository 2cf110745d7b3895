/**
 * The Temporal SDK's runtime, installed once per process with Todone's logging. The SDK logs every
 * worker state change at INFO and every failed attempt at WARN with a stack, and its Rust core
 * (gRPC retries, heartbeat errors) writes to stdout unless told otherwise; Todone reports task
 * failures itself, so the CLI sends all of it to its log file (`write`), core lines forwarded
 * through the same logger. Warnings and errors only unless TODONE_LOG_LEVEL says otherwise.
 */
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

export interface RuntimeLogOptions {
  level?: LogLevel;
  /**
   * Receives every log line. Without it lines go to stderr, minus the per-attempt failures that
   * Todone reports in its own results (embedders and tests see what matters, not the noise).
   */
  write?: (line: string) => void;
}

/** Outcomes Todone reports itself, in the result and the task's log file. */
const REPORTED_ELSEWHERE = new Set([
  'Activity failed',
  'Activity completed as cancelled',
  'Activity completed with cancellation',
]);

/** Said by design: a worker's capability and own-queue Workers run activities only (worker-group.ts). */
const EXPECTED = new Set(['No workflows registered, not polling for workflow tasks']);

let installed = false;

export function installRuntime(options: RuntimeLogOptions = {}): void {
  if (installed) return;
  installed = true;
  const level = options.level ?? (process.env.TODONE_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'WARN';
  const quiet = level === 'WARN' || level === 'ERROR';
  const write =
    options.write ??
    ((line: string, entry: LogEntry) => {
      if (!(quiet && REPORTED_ELSEWHERE.has(entry.message))) process.stderr.write(`${line}\n`);
    });
  try {
    Runtime.install({
      logger: new DefaultLogger(level, (entry: LogEntry) => {
        if (!EXPECTED.has(entry.message)) write(formatEntry(entry), entry);
      }),
      telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Someone (a test, an embedding program) installed the runtime first: theirs wins.
  }
}

function formatEntry(entry: LogEntry): string {
  const meta =
    entry.meta && Object.keys(entry.meta).length > 0
      ? ` ${inspect(entry.meta, { depth: 2, breakLength: Infinity })}`
      : '';
  return `[temporal ${entry.level}] ${entry.message}${meta}`;
}
