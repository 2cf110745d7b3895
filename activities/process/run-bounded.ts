/**
 * Runs a short command to completion or to a deadline, whichever comes first. Probes of the host
 * use it: a probe that hangs would hold up a worker's start, which is worse than any answer, so on
 * the deadline its whole process group is killed and the run reports that it timed out.
 */
import { execa } from 'execa';
import { terminate } from '../../src/util/processes.js';

export interface BoundedRun {
  /** null when it was killed (timed out) or could not start. */
  exitCode: number | null;
  /** stdout and stderr, interleaved, bounded. */
  output: string;
  timedOut: boolean;
  /** Set when the program could not be started (not installed, not executable). */
  spawnError?: string;
}

const MAX_OUTPUT = 16 * 1024;

export async function runBounded(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs: number },
): Promise<BoundedRun> {
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env ?? {},
    extendEnv: true,
    stdin: 'ignore',
    // Its own group, so the deadline takes whatever it started with it.
    detached: true,
    buffer: false,
    reject: false,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
    });
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) void terminate(child.pid, { group: true, graceMs: 500 });
  }, options.timeoutMs);
  try {
    const result = await child;
    if (timedOut) return { exitCode: null, output, timedOut };
    if (typeof result.exitCode === 'number') return { exitCode: result.exitCode, output, timedOut };
    const why =
      result.code === 'ENOENT'
        ? 'not found'
        : (result.shortMessage ?? result.message ?? 'could not start').split('\n').pop()!;
    return { exitCode: null, output, timedOut, spawnError: why };
  } finally {
    clearTimeout(timer);
    if (child.pid !== undefined) await terminate(child.pid, { group: true, graceMs: 200 });
  }
}

/** The last non-empty line of a probe's output, for a one-line reason. */
export function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
