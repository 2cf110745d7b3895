/** Renders task statuses and board results as plain text for terminals and logs. */
import pc from 'picocolors';
import { terminalSafe } from './terminal-text.js';
import { formatDuration } from '../../core/duration.js';
import type { BoardResult, BoardStatus, TaskState, TaskStatus } from '../../core/run-state.js';
import { cacheSavings } from '../../core/cache-savings.js';
import type { Usage } from '../../core/usage.js';

const STATE_COLOUR: Record<TaskState, (text: string) => string> = {
  pending: pc.dim,
  running: pc.cyan,
  'awaiting-approval': pc.yellow,
  succeeded: pc.green,
  failed: pc.red,
  conflicted: pc.red,
  skipped: pc.yellow,
  cancelled: pc.magenta,
};

export function colourState(state: TaskState): string {
  return STATE_COLOUR[state](state);
}

function pad(text: string, width: number, visible = text.length): string {
  return text + ' '.repeat(Math.max(0, width - visible));
}

export function formatTaskTable(given: readonly TaskStatus[], runningAttempts: Record<string, number> = {}): string {
  const tasks = terminalSafe(given);
  const idWidth = Math.max(4, ...tasks.map((t) => t.id.length));
  // Shell tasks report no usage: the column appears only when some agent reported tokens.
  const withUsage = tasks.some((t) => t.usage);
  const usageColumn = (text: string) => (withUsage ? `${pad(text, 16)}  ` : '');
  const stateWidth = Math.max(10, ...tasks.map((t) => t.state.length));
  const header = `${pad('task', idWidth)}  ${pad('state', stateWidth)}  ${pad('agent', 6)}  attempts  duration  ${usageColumn('usage')}note`;
  const rows = tasks.map((t) => {
    const attempts = t.state === 'running' ? (runningAttempts[t.id] ?? Math.max(1, t.attempts)) : t.attempts;
    const duration = t.durationMs !== undefined ? formatDuration(t.durationMs) : '';
    const note = (peopleNote(t) ?? t.reason ?? taskNote(t) ?? '').split('\n')[0]!.slice(0, 100);
    return `${pad(t.id, idWidth)}  ${pad(colourState(t.state), stateWidth, t.state.length)}  ${pad(t.agent ?? '', 6)}  ${pad(String(attempts), 8)}  ${pad(duration, 8)}  ${usageColumn(formatUsage(t.usage))}${note}`;
  });
  return [pc.bold(header), ...rows].join('\n');
}

/** The worker running each started task's attempt, and that attempt's number (BoardSnapshot). */
export interface RunningAttempts {
  attempts: Record<string, number>;
  hosts: Record<string, string>;
}

/**
 * Where the latest attempt of each running, failed, conflicted or cancelled task ran and left its
 * log: on a fleet that log is on that worker's disk, not this one's. Succeeded tasks are left out
 * to keep the status short; `--json` lists every task's runs.
 */
export function formatAttemptHosts(
  given: readonly TaskStatus[],
  unsafeRunning: RunningAttempts = { attempts: {}, hosts: {} },
): string[] {
  const [tasks, running] = terminalSafe([given, unsafeRunning] as const);
  const lines: string[] = [];
  for (const t of tasks) {
    const host = running.hosts[t.id];
    if (t.state === 'running') {
      if (host) lines.push(`  ${t.id}: attempt ${running.attempts[t.id] ?? 1} running on ${host}`);
      continue;
    }
    const last = t.runs?.at(-1);
    if (t.state === 'succeeded' || t.state === 'pending' || !last) continue;
    const others = [...new Set(t.runs!.slice(0, -1).map((r) => r.host))].filter((h) => h !== last.host);
    lines.push(
      `  ${t.id}: attempt ${last.attempt} on ${last.host}, log ${last.log}${others.length ? ` (earlier attempts also on ${others.join(', ')})` : ''}`,
    );
  }
  return lines.length ? ['Where the latest attempts ran:', ...lines] : [];
}

/** ` (on <host>)` when the task's log was written by its last attempt's worker, which then holds it. */
function logHost(task: TaskStatus): string {
  const last = task.runs?.at(-1);
  return last && last.log === task.logPath ? ` (on ${last.host})` : '';
}

export function formatUsage(usage: Usage | undefined): string {
  if (!usage) return '';
  const tokens = usage.inputTokens + usage.outputTokens;
  const count = tokens >= 10_000 ? `${Math.round(tokens / 1000)}k` : String(tokens);
  return `${count} tok${usage.costUsd !== undefined ? ` $${usage.costUsd.toFixed(usage.costUsd < 1 ? 4 : 2)}` : ''}`;
}

/** A success's note: read from the cache (and what that spared), what it committed, or why the cache was passed over. */
function taskNote(task: TaskStatus): string | undefined {
  const commit = commitNote(task);
  if (task.cache?.hit) return [`cached, saved ${savingText(task.cache.saved)}`, commit].filter(Boolean).join('; ');
  return commit ?? (task.cache?.note ? `cache: ${task.cache.note}` : undefined);
}

/** `1m 2s, 12k tok $0.0300`: the time and spend a cache hit spared. */
export function savingText(saved: { durationMs: number; usage?: Usage } | undefined): string {
  if (!saved) return 'its run';
  return [formatDuration(saved.durationMs), saved.usage ? formatUsage(saved.usage) : ''].filter(Boolean).join(', ');
}

/** A task waiting for a person, or sent back by one or by a review: what it waits for. */
function peopleNote(task: TaskStatus): string | undefined {
  if (task.state === 'awaiting-approval' && task.approval)
    return `${task.approval.gate === 'before' ? 'to start' : 'its work'} waits for approval since ${clock(task.approval.since)}`;
  if (task.state === 'pending' && task.rework && task.feedback)
    return `sent back (${task.feedback.from}): ${task.feedback.comment}`;
  return undefined;
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/**
 * What waits for people, and for whom: tasks at their approval gate (since when, until when, the
 * commands that decide), and reviews waiting for the work they sent back.
 */
export function formatWaitingForPeople(given: BoardStatus, now: number): string[] {
  const status = terminalSafe(given);
  const lines: string[] = [];
  for (const t of status.tasks) {
    const wait = t.approval;
    if (t.state !== 'awaiting-approval' || !wait) continue;
    const what = wait.gate === 'before' ? 'to start' : 'with its work done';
    const deadline =
      wait.deadline !== undefined
        ? `; if nobody decides within ${formatDuration(Math.max(0, wait.deadline - now))}: ${wait.onTimeout ?? 'fail'}`
        : '';
    lines.push(
      pc.yellow(
        `  ${t.id} waits for approval ${what}, since ${clock(wait.since)} (${formatDuration(Math.max(0, now - wait.since))})${deadline}`,
      ),
    );
    if (t.commit?.changed) lines.push(pc.dim(`    its commit: ${t.commit.sha.slice(0, 12)} on ${t.commit.branch}`));
  }
  const board = status.boardId;
  const first = status.tasks.find((t) => t.state === 'awaiting-approval');
  if (first)
    lines.push(
      pc.dim(
        `  decide: \`todone approve ${board} ${first.id}\`, or \`todone reject ${board} ${first.id} --comment "…" [--final]\``,
      ),
    );
  for (const t of status.tasks) {
    if (t.state !== 'pending' || (t.round ?? 1) < 2 || !t.verdict) continue;
    const waitingFor = status.tasks.filter(
      (x) => x.feedback?.from.startsWith(`review "${t.id}"`) && x.state !== 'succeeded',
    );
    if (waitingFor.length)
      lines.push(
        `  review ${t.id} (round ${t.round}) waits for ${waitingFor.map((x) => x.id).join(', ')}, sent back with its comments`,
      );
  }
  return lines.length ? ['Waiting for people and reviews:', ...lines] : [];
}

function commitNote(task: TaskStatus): string | undefined {
  const c = task.commit;
  if (!c) return undefined;
  if (!c.changed) return 'no changes';
  return `${c.sha.slice(0, 8)} +${c.insertions} -${c.deletions} in ${c.files} file${c.files === 1 ? '' : 's'}`;
}

export function formatCounts(status: Pick<BoardStatus, 'counts'>): string {
  const c = status.counts;
  const parts = [
    `${c.succeeded}/${c.total} succeeded`,
    c.running ? pc.cyan(`${c.running} running`) : '',
    c.awaitingApproval ? pc.yellow(`${c.awaitingApproval} awaiting approval`) : '',
    c.pending ? `${c.pending} pending` : '',
    c.failed ? pc.red(`${c.failed} failed`) : '',
    c.conflicted ? pc.red(`${c.conflicted} conflicted`) : '',
    c.skipped ? pc.yellow(`${c.skipped} skipped`) : '',
    c.cancelled ? pc.magenta(`${c.cancelled} cancelled`) : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * The result as text. `maxTableRows` bounds the task table on big boards: past it the table lists
 * the tasks that did not succeed (up to that many) and says how to see the rest.
 */
export function formatResult(given: BoardResult, options: { maxTableRows?: number } = {}): string {
  const result = terminalSafe(given);
  const m = result.metrics;
  const verdict =
    result.state === 'completed'
      ? pc.green('completed')
      : result.state === 'cancelled'
        ? pc.magenta('cancelled')
        : pc.red('failed');
  const slowest = [...result.tasks]
    .filter((t) => t.durationMs !== undefined && !t.kept)
    .sort((a, b) => b.durationMs! - a.durationMs!)
    .slice(0, 3)
    .map((t) => `${t.id} ${formatDuration(t.durationMs!)}`);
  const lines = [
    '',
    ...boundedTable(result, options.maxTableRows),
    '',
    `Board ${pc.bold(result.name)} ${verdict}: ${formatCounts(result)} in ${formatDuration(m.executionTimeMs)}.`,
    `Parallelization factor ${m.parallelizationFactor.toFixed(2)} (task time ${formatDuration(m.sumOfTaskDurationsMs)} / wall time ${formatDuration(m.executionTimeMs)}, maxParallel ${result.maxParallel}, ${result.policy}).`,
  ];
  if (slowest.length > 0) lines.push(`Slowest: ${slowest.join(', ')}.`);
  if (m.keptTasks > 0)
    lines.push(
      `${m.keptTasks} task${m.keptTasks === 1 ? '' : 's'} kept from the run this one resumed (not counted in the timings).`,
    );
  lines.push(...formatCacheLines(result.tasks));
  lines.push(...formatChanges(result));
  if (result.usage)
    lines.push(
      `Agents used ${formatUsage(result.usage)}${result.budget ? ` (budget: ${[result.budget.usd !== undefined ? `$${result.budget.usd}` : '', result.budget.tokens !== undefined ? `${result.budget.tokens} tokens` : ''].filter(Boolean).join(', ')})` : ''}.`,
    );
  if (result.budget?.exhausted)
    lines.push(pc.yellow(`Budget exhausted: ${result.budget.exhausted}; tasks not yet started were skipped.`));
  const git = result.integration;
  if (git) {
    lines.push(
      `Integrated into ${git.branch} at ${git.head.slice(0, 12)} (base ${git.baseBranch} at ${git.baseSha.slice(0, 12)}).` +
        (result.state === 'completed' ? ` Land it with \`todone land ${result.boardId}\`.` : ''),
    );
  }
  for (const t of result.tasks.filter((t) => t.state === 'conflicted')) {
    lines.push('', pc.red(`${t.id} conflicted: ${(t.conflictFiles ?? []).join(', ')}`));
    if (t.worktree) lines.push(pc.dim(`  worktree kept: ${t.worktree}`));
  }
  for (const t of result.tasks.filter((t) => t.state === 'failed')) {
    lines.push(
      '',
      pc.red(`${t.id} failed after ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}: ${t.reason ?? ''}`),
    );
    if (t.outputTail) lines.push(indent(lastLines(t.outputTail, 10)));
    if (t.logPath) lines.push(pc.dim(`  full log: ${t.logPath}${logHost(t)}`));
  }
  return lines.join('\n');
}

function boundedTable(result: BoardResult, maxRows: number | undefined): string[] {
  if (maxRows === undefined || result.tasks.length <= maxRows) return [formatTaskTable(result.tasks)];
  const notable = result.tasks.filter((t) => t.state !== 'succeeded');
  const shown = notable.slice(0, maxRows);
  const hidden = result.tasks.length - shown.length;
  return [
    ...(shown.length ? [formatTaskTable(shown)] : []),
    pc.dim(
      `(${hidden} of ${result.tasks.length} tasks not listed${notable.length > shown.length ? '' : ': they succeeded'}; \`todone status ${result.boardId} --tasks all\` lists every task.)`,
    ),
  ];
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}

/** The tasks read from the cache and what they spared; and what kept others from it (the first few). */
export function formatCacheLines(tasks: readonly TaskStatus[]): string[] {
  const saved = cacheSavings(tasks);
  const lines: string[] = [];
  if (saved.hits > 0)
    lines.push(
      `${saved.hits} task${saved.hits === 1 ? '' : 's'} read from the cache, sparing ${savingText({ durationMs: saved.savedMs, ...(saved.usage ? { usage: saved.usage } : {}) })} of agent work.`,
    );
  const noted = tasks.filter((t) => t.cache?.note && !t.cache.hit);
  for (const t of noted.slice(0, 5)) lines.push(pc.yellow(`Cache, ${t.id}: ${t.cache!.note}`));
  if (noted.length > 5) lines.push(pc.yellow(`Cache: ${noted.length - 5} more tasks with a note (--json lists them).`));
  return lines;
}

/** What was changed on the running board, when and by whom; and that it is paused. */
export function formatChanges(given: BoardStatus): string[] {
  const status = terminalSafe(given);
  const lines: string[] = [];
  if (status.paused)
    lines.push(
      pc.yellow(
        status.breakpoint
          ? `Paused at the breakpoint before ${status.breakpoint}: \`todone resume\` starts it.`
          : 'Paused: no new task starts until `todone resume`.',
      ),
    );
  if (status.breakpoints?.length) lines.push(`Breakpoints ahead: ${status.breakpoints.join(', ')}.`);
  if (status.resumedFrom) {
    const r = status.resumedFrom;
    const kept = `${r.kept} task${r.kept === 1 ? '' : 's'} kept`;
    const cached = r.cached ? `, ${r.cached} looked up in the cache` : '';
    if (r.state === 'completed' && r.kept === status.counts.total)
      lines.push(`Nothing changed since its last run (completed): ${kept}.`);
    else
      lines.push(
        `${r.state === 'completed' ? 'Brought up to date from' : 'Resumed'} a run that ${r.state ?? 'ended'}: ${kept}${cached}${r.rerun ? `, ${r.rerun} that had succeeded run again (changed)` : ''}.`,
      );
  }
  for (const change of status.changes ?? []) {
    lines.push(
      pc.dim(
        `${new Date(change.at).toISOString().replace('T', ' ').slice(0, 19)} ${change.by ?? 'someone'}: ${change.detail}`,
      ),
    );
  }
  return lines;
}
