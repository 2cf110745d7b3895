/**
 * What to change, read off the numbers: each rule fires on a threshold and says the number that
 * fired it, so a recommendation can be checked against the report it sits in.
 */
import { formatDuration } from '../core/duration.js';
import type { Bottlenecks, TaskReport } from './types.js';

/** Below this share of ready time spent waiting for a slot, more slots would not pay. */
export const SLOT_WAIT_THRESHOLD = 0.2;
/** The chain covers at least this share of the wall time: the board is bound by it. */
export const CHAIN_THRESHOLD = 0.8;
const LOST_THRESHOLD = 0.1;
/** Waiting for people above this share of the wall time is worth a word. */
const PEOPLE_THRESHOLD = 0.25;
const ESTIMATE_FACTOR = 2;

export function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function chainText(ids: readonly string[]): string {
  return ids.join(' -> ');
}

export function recommend(
  b: Omit<Bottlenecks, 'recommendations'>,
  tasks: readonly TaskReport[],
  wallMs: number,
  maxParallel: number,
): string[] {
  const out: string[] = [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  if (b.slotWaitShare >= SLOT_WAIT_THRESHOLD) {
    out.push(`raise maxParallel (now ${maxParallel}): tasks waited ${pct(b.slotWaitShare)} of the time for a slot`);
  } else if (
    b.criticalPath.length > 0 &&
    wallMs > 0 &&
    b.criticalPathMs / wallMs >= CHAIN_THRESHOLD &&
    b.criticalPath.every((l) => l.via !== 'slot')
  ) {
    const ids = b.criticalPath.map((l) => l.id);
    // Its own run time, not its slot time: a first task's slot time also holds the worker's warm-up.
    const own = (id: string) => byId.get(id)?.durationMs ?? byId.get(id)?.busyMs ?? 0;
    const longest = ids.reduce((best, id) => (own(id) > own(best) ? id : best), ids[0]!);
    const share = pct(own(longest) / wallMs);
    out.push(
      ids.length > 1
        ? `bound by the chain ${chainText(ids)}; more parallelism will not help; split ${longest} (${share} of the wall time)`
        : `bound by one task, ${longest} (${share} of the wall time); more parallelism will not help; split it`,
    );
  }
  if (wallMs > 0 && b.retryLostMs / wallMs >= LOST_THRESHOLD) {
    const retried = tasks
      .filter((t) => (t.retryLostMs ?? 0) > 0 && t.state !== 'conflicted')
      .sort((x, y) => (y.retryLostMs ?? 0) - (x.retryLostMs ?? 0));
    out.push(
      `retries cost ${formatDuration(b.retryLostMs)} (${pct(b.retryLostMs / wallMs)} of the wall time): make ${retried
        .slice(0, 3)
        .map((t) => t.id)
        .join(', ')} pass first time`,
    );
  }
  if (wallMs > 0 && b.peopleWaitMs / wallMs >= PEOPLE_THRESHOLD) {
    out.push(
      `tasks waited ${formatDuration(b.peopleWaitMs)} for approval (${pct(b.peopleWaitMs / wallMs)} of the wall time): give gates a deadline (approval: { timeout, onTimeout }) or a webhook (notify: task.awaiting-approval) so people hear of them`,
    );
  }
  if (wallMs > 0 && b.conflictLostMs / wallMs >= LOST_THRESHOLD) {
    out.push(
      `conflicts cost ${formatDuration(b.conflictLostMs)}: make tasks that touch the same files depend on each other`,
    );
  }
  const taskTime = tasks.reduce((sum, t) => sum + (t.durationMs ?? 0), 0);
  if (taskTime > 0 && b.validationMs / taskTime >= 0.25) {
    out.push(
      `checks took ${pct(b.validationMs / taskTime)} of the task time: make them faster, or run the slow ones once in a final task`,
    );
  }
  const worst = b.estimateMisses[0];
  if (worst && (worst.ratio >= ESTIMATE_FACTOR || worst.ratio <= 1 / ESTIMATE_FACTOR)) {
    out.push(
      `fix estimates (they order the queue): ${worst.id} took ${worst.ratio.toFixed(1)}x its estimate of ${formatDuration(worst.estimateMs)}`,
    );
  }
  const failed = tasks.filter((t) => t.state === 'failed' || t.state === 'conflicted');
  if (failed.length > 0)
    out.push(
      `${failed.length} task${failed.length === 1 ? '' : 's'} did not succeed (${failed
        .slice(0, 5)
        .map((t) => t.id)
        .join(', ')}): \`todone retry\` after fixing`,
    );
  if (out.length === 0)
    out.push('no bottleneck stands out: slots were rarely full, no chain dominated, little time went to retries');
  return out;
}
