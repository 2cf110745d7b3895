/**
 * The live view of `todone run`: polls the board's status for the progress lines and waits for its
 * result. The result is a long poll that throws when the server goes away, so neither it nor a
 * failed status poll ends the watch: each failure asks the recovery whether the server is gone,
 * and once it is back the watch carries on where it was.
 */
import type { BoardSnapshot } from '../../client/board-client.js';
import type { CapabilityWait } from '../../client/capability-waits.js';
import type { BoardResult, BoardStatus } from '../../core/run-state.js';
import { isServerLoss } from '../server-errors.js';
import type { ServerRecovery } from './server-recovery.js';

export interface BoardWatchOptions {
  /** The board's status, bounded in time. */
  snapshot(): Promise<BoardSnapshot>;
  /** Resolves with the board's result once its workflow has closed (a long poll). */
  result(): Promise<BoardResult>;
  recovery: ServerRecovery;
  reporter: {
    update(status: BoardStatus): void;
    waiting(message: string): void;
    capabilityWaits?(waits: readonly CapabilityWait[], status?: BoardStatus): void;
  };
  /** Shown while the board runs but no worker answers its status query. */
  noWorkerMessage: string;
  pollMs: number;
  /** Pause before asking for the result again after a failure that was not a lost server. */
  retryMs?: number;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function watchBoard(opts: BoardWatchOptions): Promise<BoardResult> {
  const retryMs = opts.retryMs ?? 1_000;
  let final: Promise<Settled<BoardResult>> | undefined;
  for (;;) {
    final ??= settle(opts.result());
    const early = await Promise.race([final, delay(opts.pollMs)]);
    if (early) {
      if (early.ok) {
        // A task that waited for a capability may have been taken and finished since the last poll,
        // the board with it: its "taken" line still comes before the last lines.
        opts.reporter.capabilityWaits?.([], early.value);
        opts.reporter.update(early.value);
        return early.value;
      }
      const outage = await opts.recovery.recover();
      // A board that failed to produce a result (terminated, say) is an answer, not a lost server.
      if (!outage && !isServerLoss(early.error)) throw early.error;
      final = outage ? undefined : delay(retryMs).then(() => settle(opts.result()));
      continue;
    }
    try {
      const snapshot = await opts.snapshot();
      // Before the status: "taken by a worker" reads before that task's own lines of this round.
      opts.reporter.capabilityWaits?.(snapshot.waiting ?? [], snapshot.status);
      if (snapshot.status) opts.reporter.update(snapshot.status);
      else if (!snapshot.answered) opts.reporter.waiting(opts.noWorkerMessage);
    } catch {
      // Progress is best effort; only a server that is gone needs doing something about.
      await opts.recovery.recover();
    }
  }
}

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
