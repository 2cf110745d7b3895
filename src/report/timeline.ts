/**
 * Where a task's waiting went, from the times the status records: waiting for dependencies ends
 * when the last one ended; after that, time when every slot was held by another task is waiting
 * for a slot, and the rest is latency, a pause or a breakpoint.
 */

export interface Interval {
  startMs: number;
  endMs: number;
}

/** Milliseconds of [from, to) during which at least `slots` of `busy` overlap. */
export function fullTime(busy: readonly Interval[], slots: number, from: number, to: number): number {
  if (to <= from) return 0;
  const edges: [number, number][] = [];
  for (const b of busy) {
    const s = Math.max(b.startMs, from);
    const e = Math.min(b.endMs, to);
    if (e > s) edges.push([s, 1], [e, -1]);
  }
  // Ends before starts at the same instant: a slot freed and taken at once was never double-held.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let last = from;
  let full = 0;
  for (const [at, delta] of edges) {
    if (running >= slots) full += at - last;
    running += delta;
    last = at;
  }
  if (running >= slots) full += to - last;
  return full;
}
