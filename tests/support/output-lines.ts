/**
 * Follows a child process's output line by line, so a test can await "the CLI printed X" instead
 * of sleeping: the event itself, with a deadline that names what was awaited.
 */
import type { Readable } from 'node:stream';

export interface OutputLines {
  /** Every complete line so far. */
  readonly lines: string[];
  /** Resolves with the first line (already seen or still to come) that matches. */
  next(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
}

export function followLines(stream: Readable | null | undefined): OutputLines {
  if (!stream) throw new Error('the child process has no such stream (was it piped?)');
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let partial = '';
  let ended = false;
  const endWaiters = new Set<() => void>();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters) if (waiter.pattern.test(line)) waiter.resolve(line);
    }
  });
  stream.on('end', () => {
    ended = true;
    for (const onEnd of endWaiters) onEnd();
  });
  return {
    lines,
    next(pattern, what, timeoutMs = 60_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            cleanup();
            resolve(line);
          },
        };
        const fail = (why: string) => {
          cleanup();
          reject(new Error(`${why} waiting for ${what}; output so far:\n${lines.join('\n')}`));
        };
        const onEnd = () => fail('the output ended');
        const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          endWaiters.delete(onEnd);
        };
        if (ended) return fail('the output had ended');
        waiters.add(waiter);
        endWaiters.add(onEnd);
      });
    },
  };
}
