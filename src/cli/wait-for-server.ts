/**
 * A worker started while its Temporal server is down (a cluster restarting, a fleet brought up in
 * any order) waits for it instead of exiting at once, for a bounded time, saying what it waits for.
 * Any other failure, and a server still silent at the deadline, is raised as it came.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { formatDuration } from '../core/duration.js';
import { ServerUnreachableError } from '../errors.js';

export interface WaitForServer {
  /** How long to keep trying; 0 tries once. */
  waitMs: number;
  /** Told once when the waiting starts, and once when the server answers after it. */
  say: (line: string) => void;
  /** Between tries. */
  everyMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

export async function untilServerAnswers<T>(attempt: () => Promise<T>, options: WaitForServer): Promise<T> {
  const { waitMs, say, everyMs = 2_000, now = Date.now, sleep = delay } = options;
  const deadline = now() + waitMs;
  let waiting = false;
  for (;;) {
    try {
      const result = await attempt();
      if (waiting) say('Temporal answers: starting.');
      return result;
    } catch (error) {
      const left = deadline - now();
      if (!(error instanceof ServerUnreachableError) || left <= 0) throw error;
      if (!waiting) {
        const reason = error.message.split('\n')[0];
        say(`${reason} Waiting for it, up to ${formatDuration(waitMs)} (--wait-for-server).`);
        waiting = true;
      }
      await sleep(Math.min(everyMs, left));
    }
  }
}
