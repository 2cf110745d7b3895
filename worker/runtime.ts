/**
 * The SDK logs every worker state change at INFO and every failed attempt at WARN with a stack;
 * in a terminal that drowns the board's own progress, which already reports task failures with
 * their output and log file. Install the runtime once with warnings and errors only
 * (TODONE_LOG_LEVEL overrides), minus the per-attempt failure noise.
 */
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

/** Outcomes Todone reports itself, in the result and the task's log file. */
const REPORTED_ELSEWHERE = new Set(['Activity failed', 'Activity completed as cancelled', 'Activity completed with cancellation']);

let installed = false;

export function installRuntime(level: LogLevel = (process.env.TODONE_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'WARN'): void {
  if (installed) return;
  installed = true;
  const verbose = level === 'DEBUG' || level === 'TRACE' || level === 'INFO';
  try {
    Runtime.install({
      logger: new DefaultLogger(level, (entry: LogEntry) => {
        if (!verbose && REPORTED_ELSEWHERE.has(entry.message)) return;
        const meta = entry.meta ? ` ${inspect(entry.meta, { depth: 2, breakLength: Infinity })}` : '';
        process.stderr.write(`[temporal ${entry.level}] ${entry.message}${meta}\n`);
      }),
    });
  } catch {
    // Someone (a test, an embedding program) installed the runtime first: theirs wins.
  }
}
