/**
 * A worker started while its Temporal server is down (a cluster restarting, a fleet brought up in
 * any order) waits for it instead of exiting at once, for a bounded time, saying what it waits for.
 * Any other failure, and a server still silent at the deadline, is raised as it came. Between tries
 * it only checks that the server's port accepts a connection (an instant "no" while it is closed,
 * where a whole try waits out a connect timeout), and tries again once it does.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { acceptsTcp } from '../../temporal/ports.js';
import { splitAddress } from '../../temporal/health.js';
import { formatDuration } from '../core/duration.js';
import { ServerUnreachableError } from '../errors.js';

export interface WaitForServer {
  /** How long to keep trying; 0 tries once. */
  waitMs: number;
  /** Told once when the waiting starts, and once when the server answers after it. */
  say: (line: string) => void;
  /** Between checks of the port. */
  everyMs?: number;
  /** Whether something listens at the address now (default: a TCP connect). */
  listening?: (address: string) => Promise<boolean>;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

export async function untilServerAnswers<T>(attempt: () => Promise<T>, options: WaitForServer): Promise<T> {
  const { waitMs, say, everyMs = 2_000, now = Date.now, sleep = delay, listening = acceptsAddress } = options;
  const deadline = now() + waitMs;
  let waiting = false;
  for (;;) {
    try {
      const result = await attempt();
      if (waiting) say('Temporal answers: starting.');
      return result;
    } catch (error) {
      if (!(error instanceof ServerUnreachableError) || deadline - now() <= 0) throw error;
      if (!waiting) {
        const reason = error.message.split('\n')[0];
        say(`${reason} Waiting for it, up to ${formatDuration(waitMs)} (--wait-for-server).`);
        waiting = true;
      }
      // At the deadline the last try runs anyway, and its failure is what is raised.
      for (let left = deadline - now(); left > 0; left = deadline - now()) {
        await sleep(Math.min(everyMs, left));
        if (await listening(error.address)) break;
      }
    }
  }
}

function acceptsAddress(address: string): Promise<boolean> {
  const [host, port] = splitAddress(address);
  return acceptsTcp(host, Number(port), 1_000);
}
