/**
 * The SDK logs every worker state change at INFO; in a terminal that drowns the board's own
 * progress. Install the runtime once with warnings and errors only (TODONE_LOG_LEVEL overrides).
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

export function installRuntime(level: LogLevel = (process.env.TODONE_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'WARN'): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Someone (a test, an embedding program) installed the runtime first: theirs wins.
  }
}
