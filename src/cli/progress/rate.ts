/**
 * How fast a board's tasks finish and when it should end at that pace: finished tasks over the
 * last minute of samples (a board's pace changes as it goes), or since the first sample when the
 * watch is younger than that.
 */
import type { BoardCounts } from '../../core/run-state.js';

const WINDOW_MS = 60_000;

export function finishedCount(c: BoardCounts): number {
  return c.succeeded + c.failed + c.conflicted + c.skipped + c.cancelled;
}

export class RateMeter {
  private readonly samples: { at: number; done: number }[] = [];

  add(at: number, counts: BoardCounts): void {
    this.samples.push({ at, done: finishedCount(counts) });
    // Keep one sample older than the window, so the rate always spans at least WINDOW_MS once it can.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - WINDOW_MS) this.samples.shift();
  }

  /** Tasks finished per second, or undefined before two samples a moment apart. */
  perSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 500) return undefined;
    return (last.done - first.done) / ((last.at - first.at) / 1000);
  }

  /** Milliseconds left at the current pace, or undefined while the pace is unknown or zero. */
  etaMs(counts: BoardCounts): number | undefined {
    const rate = this.perSecond();
    if (!rate || rate <= 0) return undefined;
    return ((counts.total - finishedCount(counts)) / rate) * 1000;
  }
}
