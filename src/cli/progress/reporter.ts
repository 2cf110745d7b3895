/**
 * Live progress of a board that scales with its size:
 * - a line per task that starts, finishes, fails or is skipped, on boards up to `lineLimit` tasks
 *   (or always with `verbose`); bigger boards get lines for failures only, the first
 *   `failureLineLimit` of them;
 * - on a terminal, a footer that redraws in place (log-update): a bar with counts, rate and ETA;
 * - elsewhere (pipes, CI logs), a plain summary line every `summaryEveryMs`.
 * So a 10,000-task board prints a few dozen lines, not 20,000.
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { terminalSafe } from '../format/terminal-text.js';
import { formatDuration } from '../../core/duration.js';
import type { BoardStatus, TaskStatus } from '../../core/run-state.js';
import { describeWait, type CapabilityWait } from '../../client/capability-waits.js';
import { colourState, formatUsage, savingText } from '../format/task-table.js';
import { progressBar, progressFigures } from './bar.js';
import { finishedCount, RateMeter } from './rate.js';

export const DEFAULT_LINE_LIMIT = 200;
export const DEFAULT_FAILURE_LINES = 20;
export const DEFAULT_SUMMARY_MS = 10_000;

/** States a task that stopped waiting for a worker can be in once a worker took it. */
const TAKEN: ReadonlySet<TaskStatus['state']> = new Set(['running', 'succeeded', 'failed', 'conflicted']);

export interface ReporterOutput {
  write: (text: string) => void;
  /** A TTY gets a live footer; pipes and CI logs get plain lines and periodic summaries. */
  isTTY: boolean;
  /** A line per task whatever the board's size. */
  verbose?: boolean;
  /** Boards up to this many tasks get a line per task (default 200). */
  lineLimit?: number;
  /** Bigger boards: lines for at most this many failures (default 20). */
  failureLineLimit?: number;
  /** Not a TTY: a summary line this often (default 10 s). */
  summaryEveryMs?: number;
  now?: () => number;
}

export class ProgressReporter {
  private readonly seen = new Map<string, TaskStatus['state']>();
  /** Attempts each task had when last seen. */
  private readonly attempts = new Map<string, number>();
  /** When the last decision about each task that got a line was made. */
  private readonly decidedAt = new Map<string, number>();
  /** Tasks said to wait for a worker with their capabilities, and what they wait for. */
  private readonly waits = new Map<string, CapabilityWait>();
  private readonly footer: ReturnType<typeof createLogUpdate> | undefined;
  private readonly rate = new RateMeter();
  private readonly now: () => number;
  private firstAt: number | undefined;
  private lastSummaryAt: number | undefined;
  private summaries = 0;
  private failureLines = 0;
  private failuresElided = false;

  constructor(private readonly out: ReporterOutput) {
    this.footer = out.isTTY ? createLogUpdate(process.stderr, { showCursor: true }) : undefined;
    this.now = out.now ?? Date.now;
  }

  update(given: BoardStatus): void {
    // Names, reasons and output came from the board and its tasks: never escape sequences.
    const status = terminalSafe(given);
    const now = this.now();
    this.firstAt ??= now;
    this.rate.add(now, status.counts);
    const perTask = this.out.verbose === true || status.counts.total <= (this.out.lineLimit ?? DEFAULT_LINE_LIMIT);
    const lines: string[] = [];
    for (const task of status.tasks) {
      const before = this.seen.get(task.id) ?? 'pending';
      // Decisions are read from the record, not the state: a task sent back can run again and be
      // back at its gate between two looks at the board.
      if (perTask) lines.push(...this.decisionLines(task));
      const again =
        before === 'awaiting-approval' && task.state === before && task.attempts > (this.attempts.get(task.id) ?? 0);
      this.attempts.set(task.id, task.attempts);
      if (before === task.state && !again) continue;
      this.seen.set(task.id, task.state);
      if (perTask && ranUnseen(before, task)) lines.push(describeChange({ ...task, state: 'running' })!);
      // Approved work going in is not a new start: its approval had a line.
      if (before === 'awaiting-approval' && task.state === 'running') continue;
      const line = perTask ? describeChange(task) : this.failureLine(task);
      if (line) lines.push(line);
    }
    if (lines.length > 0) this.print(lines.join('\n'));
    const figures = progressFigures({
      counts: status.counts,
      perSecond: this.rate.perSecond(),
      etaMs: this.rate.etaMs(status.counts),
      elapsedMs: Math.max(0, (status.endedAt ?? now) - status.startedAt),
    });
    if (this.footer) {
      this.footer(
        `${pc.dim(status.name)} ${pc.cyan(progressBar(finishedCount(status.counts), status.counts.total))} ${figures}`,
      );
      return;
    }
    // Not a terminal: a summary now and then, and one when the board ends.
    const ended = 'metrics' in status;
    this.lastSummaryAt ??= now;
    if (ended ? this.summaries > 0 : now - this.lastSummaryAt >= (this.out.summaryEveryMs ?? DEFAULT_SUMMARY_MS)) {
      this.lastSummaryAt = now;
      this.summaries++;
      this.out.write(`${stamp()} progress: ${figures}\n`);
    }
  }

  /** A line for each decision about the task since the last look: approved, or sent back with a comment. */
  private decisionLines(task: TaskStatus): string[] {
    const last = this.decidedAt.get(task.id) ?? 0;
    const fresh = (task.decisions ?? []).filter((d) => d.at > last);
    if (fresh.length === 0) return [];
    this.decidedAt.set(task.id, fresh.at(-1)!.at);
    const name = pc.bold(task.id);
    return fresh.flatMap((d) => {
      const comment = d.comment ? `: ${oneLine(d.comment)}` : '';
      if (d.decision === 'approve')
        return [
          `${stamp()} ${pc.green('✓')} ${name} approved${d.by ? ` by ${d.by}` : d.timedOut ? ' (no decision in time)' : ''}${comment}`,
        ];
      if (d.final) return [];
      const from = d.review ? `review "${d.review}"` : d.by ? `rejected by ${d.by}` : 'no decision in time';
      return [`${stamp()} ${pc.yellow('↺')} ${name} sent back (${from})${comment}`];
    });
  }

  /** Big boards: failures still get a line each, up to a limit, then one line saying the rest are in the summary. */
  private failureLine(task: TaskStatus): string | undefined {
    if (task.state !== 'failed' && task.state !== 'conflicted') return undefined;
    if (this.failureLines < (this.out.failureLineLimit ?? DEFAULT_FAILURE_LINES)) {
      this.failureLines++;
      return describeChange(task);
    }
    if (this.failuresElided) return undefined;
    this.failuresElided = true;
    return `${stamp()} ${pc.red('✖')} more tasks failed: see the counts, the result, or \`todone status --tasks failed\``;
  }

  /**
   * A task whose activity no live worker can take gets a line when it starts waiting, and another
   * when a worker takes it, before the lines of `status` (this round's, given to update() next):
   * a task can be taken and finish between two polls. One cancelled meanwhile needs none.
   */
  capabilityWaits(waits: readonly CapabilityWait[], status?: BoardStatus): void {
    const lines: string[] = [];
    const now = new Set(waits.map((w) => w.taskId));
    const stateNow = new Map(status?.tasks.map((t) => [t.id, t.state]));
    for (const [taskId, wait] of this.waits) {
      if (now.has(taskId)) continue;
      this.waits.delete(taskId);
      const state = stateNow.get(taskId) ?? this.seen.get(taskId);
      if (state !== undefined && TAKEN.has(state))
        lines.push(`${stamp()} ${pc.cyan('▶')} ${pc.bold(taskId)} taken by a worker with ${wait.requires.join('+')}`);
    }
    for (const wait of waits) {
      if (this.waits.has(wait.taskId)) continue;
      this.waits.set(wait.taskId, wait);
      lines.push(
        `${stamp()} ${pc.yellow('⏸')} ${pc.bold(wait.taskId)} ${describeWait(wait)}: start \`todone worker --capability ${wait.requires.join(' --capability ')}\``,
      );
    }
    if (lines.length > 0) this.print(lines.join('\n'));
  }

  /** A line of its own (a notice about the run), printed like progress so the footer stays intact. */
  line(text: string): void {
    this.print(text);
  }

  waiting(message: string): void {
    if (this.footer) this.footer(pc.dim(message));
  }

  done(): void {
    this.footer?.clear();
    this.footer?.done();
  }

  private print(text: string): void {
    this.footer?.clear();
    this.out.write(`${text}\n`);
  }
}

/**
 * A task can start and finish between two polls; it still gets its "started" line, so what the
 * log shows does not depend on how fast the task was.
 */
function ranUnseen(before: TaskStatus['state'], task: TaskStatus): boolean {
  const ran = task.state === 'succeeded' || task.state === 'failed' || task.state === 'conflicted';
  return before === 'pending' && ran && task.attempts > 0;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

function stamp(): string {
  return pc.dim(new Date().toISOString().slice(11, 19));
}

function describeChange(task: TaskStatus): string | undefined {
  const name = pc.bold(task.id);
  switch (task.state) {
    case 'running':
      return `${stamp()} ${pc.cyan('▶')} ${name} started`;
    case 'succeeded':
      if (task.cache?.hit)
        return `${stamp()} ${pc.green('✔')} ${name} read from the cache (saved ${savingText(task.cache.saved)})`;
      return `${stamp()} ${pc.green('✔')} ${name} succeeded in ${formatDuration(task.durationMs ?? 0)}${task.attempts > 1 ? ` (attempt ${task.attempts})` : ''}${task.usage ? `, ${formatUsage(task.usage)}` : ''}`;
    case 'failed':
      return `${stamp()} ${pc.red('✖')} ${name} failed after ${task.attempts} attempt${task.attempts === 1 ? '' : 's'}: ${task.reason ?? ''}`;
    case 'awaiting-approval':
      return `${stamp()} ${pc.yellow('⏸')} ${name} waits for approval ${task.approval?.gate === 'before' ? 'to start' : 'with its work done'}${task.attempts > 1 ? ` (attempt ${task.attempts})` : ''}${task.approval?.deadline !== undefined ? ` (decides itself in ${formatDuration(Math.max(0, task.approval.deadline - Date.now()))}: ${task.approval.onTimeout ?? 'fail'})` : ''}`;
    case 'pending':
      // Back to pending: sent back (its decision had a line), or a review waiting for that work.
      return task.rework
        ? undefined
        : `${stamp()} ${pc.yellow('•')} ${name} pending${task.round ? ` (round ${task.round})` : ''}`;
    default:
      return `${stamp()} ${pc.yellow('•')} ${name} ${colourState(task.state)}${task.reason ? `: ${task.reason}` : ''}`;
  }
}
