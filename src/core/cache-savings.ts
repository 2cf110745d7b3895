/** What the result cache spared a board: the tasks read from it, and the time and spend of the runs they replayed. */
import type { TaskOutcome } from './outcome.js';
import { addUsage, type Usage } from './usage.js';

export interface CacheSavings {
  /** Tasks read from the cache. */
  hits: number;
  /** The agent time the replayed runs took. */
  savedMs: number;
  /** What the replayed runs spent, when their agents reported it. */
  usage?: Usage;
}

export function cacheSavings(tasks: readonly Pick<TaskOutcome, 'cache'>[]): CacheSavings {
  let hits = 0;
  let savedMs = 0;
  let usage: Usage | undefined;
  for (const { cache } of tasks) {
    if (!cache?.hit) continue;
    hits++;
    savedMs += cache.saved?.durationMs ?? 0;
    usage = addUsage(usage, cache.saved?.usage);
  }
  return { hits, savedMs, ...(usage ? { usage } : {}) };
}
