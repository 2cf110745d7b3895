/**
 * What `todone run` does when the Temporal server stops answering while it watches a board. The
 * board lives in the server's database, so nothing is lost; the run only has to get the server
 * back (the embedded dev server: restart it on the same database and ports) or wait for it (a
 * cluster: someone else's to bring back), say so once, and carry on.
 */
import { formatDuration } from '../../core/duration.js';
import { ServerLostError } from '../../errors.js';

export interface ServerRecovery {
  /**
   * Called after a failed call to the server. Resolves false at once when the server answers (the
   * failure was something else), true once it is back after an outage; throws ServerLostError
   * when it gives up. Concurrent calls share one recovery.
   */
  recover(): Promise<boolean>;
}

export interface RecoveryIO {
  /** Whether the server answers right now (bounded). */
  probe: () => Promise<boolean>;
  /** One line for the user. */
  say: (line: string) => void;
  /** A transient note (a terminal footer), repeated while waiting. */
  note?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface EmbeddedRecoveryOptions extends RecoveryIO {
  dbFile: string;
  /** Starts the server again on the same database and ports; throws when it cannot. */
  restart: () => Promise<{ address: string; pid: number }>;
  /** What to run to pick the board up again if the restart fails. */
  resumeHint: string;
}

export function embeddedRecovery(opts: EmbeddedRecoveryOptions): ServerRecovery {
  return singleFlight(async () => {
    if (await opts.probe()) return false;
    opts.say(`Lost the Temporal dev server; restarting it (the board is safe in ${opts.dbFile}).`);
    let server: { address: string; pid: number };
    try {
      server = await opts.restart();
    } catch (error) {
      throw new ServerLostError(
        `Could not restart the Temporal dev server: ${error instanceof Error ? error.message : String(error)}\n` +
          `The board is safe in ${opts.dbFile}: ${opts.resumeHint}`,
      );
    }
    opts.say(`Temporal dev server back at ${server.address} (pid ${server.pid}); carrying on.`);
    return true;
  });
}

export interface ClusterRecoveryOptions extends RecoveryIO {
  address: string;
  resumeHint: string;
  /** Give up after this long without an answer (default 30 min). */
  maxWaitMs?: number;
  /** First pause between checks, doubled up to maxIntervalMs (defaults 1 s and 15 s). */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
}

export function clusterRecovery(opts: ClusterRecoveryOptions): ServerRecovery {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = opts.now ?? Date.now;
  const maxWaitMs = opts.maxWaitMs ?? 30 * 60_000;
  const maxIntervalMs = opts.maxIntervalMs ?? 15_000;
  return singleFlight(async () => {
    if (await opts.probe()) return false;
    const since = now();
    opts.say(
      `Lost the Temporal server at ${opts.address}; the board is safe; waiting for it to come back ` +
        `(up to ${formatDuration(maxWaitMs)}; Ctrl-C to stop watching).`,
    );
    let interval = opts.initialIntervalMs ?? 1_000;
    for (;;) {
      const down = now() - since;
      if (down >= maxWaitMs) {
        throw new ServerLostError(
          `The Temporal server at ${opts.address} has not answered for ${formatDuration(down)}; gave up waiting. ` +
            `The board is safe there: ${opts.resumeHint}`,
        );
      }
      opts.note?.(`waiting for the Temporal server at ${opts.address} (down ${formatDuration(down)})…`);
      await sleep(Math.min(interval, maxWaitMs - down));
      interval = Math.min(interval * 2, maxIntervalMs);
      if (await opts.probe()) {
        opts.say(`Reconnected to the Temporal server at ${opts.address} after ${formatDuration(now() - since)}.`);
        return true;
      }
    }
  });
}

function singleFlight(run: () => Promise<boolean>): ServerRecovery {
  let current: Promise<boolean> | undefined;
  return {
    recover() {
      current ??= run().finally(() => (current = undefined));
      return current;
    },
  };
}
