/**
 * What the Temporal Web UI shows on a board's workflow page: its current details (user metadata),
 * a markdown digest of counts, spend and failures. Setting them records no command (the SDK keeps
 * the text and answers it through the `__temporal_workflow_metadata` query), so old histories
 * replay unchanged and no `patched()` guard is needed.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import { formatDuration } from '../src/core/duration.js';
import type { BoardStatus } from '../src/core/run-state.js';

const REFRESH_MS = 2_000;
/** Failures listed by name; the count says how many there are in all. */
export const DIGEST_FAILURES = 10;

export function boardDigest(status: BoardStatus, now: number): string {
  const c = status.counts;
  const done = c.succeeded + c.failed + c.conflicted + c.skipped + c.cancelled;
  const state = status.paused && status.state === 'running' ? 'paused' : status.state;
  const lines = [
    `**${state}** · ${done}/${c.total} done in ${formatDuration(Math.max(0, (status.endedAt ?? now) - status.startedAt))} · maxParallel ${status.maxParallel}`,
    '',
    ...(c.awaitingApproval
      ? [
          `| succeeded | running | awaiting approval | pending | failed | conflicted | skipped | cancelled |`,
          `| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
          `| ${c.succeeded} | ${c.running} | ${c.awaitingApproval} | ${c.pending} | ${c.failed} | ${c.conflicted} | ${c.skipped} | ${c.cancelled} |`,
        ]
      : [
          `| succeeded | running | pending | failed | conflicted | skipped | cancelled |`,
          `| ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
          `| ${c.succeeded} | ${c.running} | ${c.pending} | ${c.failed} | ${c.conflicted} | ${c.skipped} | ${c.cancelled} |`,
        ]),
  ];
  const waiting = status.tasks.filter((t) => t.state === 'awaiting-approval' && t.approval);
  if (waiting.length > 0) {
    lines.push('', `**Waiting for approval** (${c.awaitingApproval ?? waiting.length}):`);
    for (const task of waiting.slice(0, DIGEST_FAILURES)) {
      const wait = task.approval!;
      const deadline = wait.deadline !== undefined ? `; ${wait.onTimeout ?? 'fail'} at ${iso(wait.deadline)}` : '';
      lines.push(
        `- \`${task.id}\` ${wait.gate === 'before' ? 'to start' : 'its work'}, since ${iso(wait.since)} (${formatDuration(Math.max(0, now - wait.since))}${deadline}): \`todone approve ${status.boardId} ${task.id}\``,
      );
    }
  }
  const usage = status.usage;
  if (usage) {
    const tokens = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
    const cost = usage.costUsd !== undefined ? `$${usage.costUsd.toFixed(2)}` : 'cost not reported';
    lines.push(
      '',
      `Spent: ${cost}, ${tokens.toLocaleString('en-US')} tokens${status.budget?.exhausted ? ` (budget exhausted: ${status.budget.exhausted})` : ''}`,
    );
  }
  const failed = status.tasks.filter((t) => t.state === 'failed' || t.state === 'conflicted');
  if (failed.length > 0) {
    lines.push('', `**Failed** (${c.failed + c.conflicted}):`);
    for (const task of failed.slice(0, DIGEST_FAILURES))
      lines.push(`- \`${task.id}\` ${task.state}: ${oneLine(task.reason ?? '')}`);
  }
  return lines.join('\n');
}

function iso(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/**
 * Keeps the details current. Building the digest reads every task, so it is rebuilt at most every
 * REFRESH_MS of workflow time (and always when forced, at the end): a board does not pay for it on
 * every activation, which on a board of a thousand short tasks cost more than the tasks' own work.
 */
export function boardDetails(source: { status(): BoardStatus }): { refresh(force?: boolean): void } {
  let last = -Infinity;
  return {
    refresh(force = false) {
      const now = Date.now();
      if (!force && now - last < REFRESH_MS) return;
      last = now;
      setCurrentDetails(boardDigest(source.status(), now));
    },
  };
}
