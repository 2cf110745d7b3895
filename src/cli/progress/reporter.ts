/**
 * Live progress of a board: one line per task that starts, finishes, fails or is skipped, and on
 * a terminal a footer with running counts that redraws in place (log-update).
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { formatDuration } from '../../core/duration.js';
import type { BoardStatus, TaskStatus } from '../../core/run-state.js';
import { colourState, formatCounts, formatUsage } from '../format/task-table.js';

export interface ReporterOutput {
  write: (text: string) => void;
  /** A TTY gets a live footer; pipes and CI logs get plain lines only. */
  isTTY: boolean;
}

export class ProgressReporter {
  private readonly seen = new Map<string, TaskStatus['state']>();
  private readonly footer: ReturnType<typeof createLogUpdate> | undefined;

  constructor(private readonly out: ReporterOutput) {
    this.footer = out.isTTY ? createLogUpdate(process.stderr, { showCursor: true }) : undefined;
  }

  update(status: BoardStatus): void {
    const lines: string[] = [];
    for (const task of status.tasks) {
      const before = this.seen.get(task.id) ?? 'pending';
      if (before === task.state) continue;
      this.seen.set(task.id, task.state);
      lines.push(describeChange(task));
    }
    if (lines.length > 0) {
      this.footer?.clear();
      this.out.write(lines.join('\n') + '\n');
    }
    this.footer?.(`${pc.dim('board')} ${status.name}: ${formatCounts(status)}`);
  }

  /** A line of its own (a notice about the run), printed like progress so the footer stays intact. */
  line(text: string): void {
    this.footer?.clear();
    this.out.write(`${text}\n`);
  }

  waiting(message: string): void {
    if (this.footer) this.footer(pc.dim(message));
  }

  done(): void {
    this.footer?.clear();
    this.footer?.done();
  }
}

function describeChange(task: TaskStatus): string {
  const stamp = pc.dim(new Date().toISOString().slice(11, 19));
  const name = pc.bold(task.id);
  switch (task.state) {
    case 'running':
      return `${stamp} ${pc.cyan('▶')} ${name} started`;
    case 'succeeded':
      return `${stamp} ${pc.green('✔')} ${name} succeeded in ${formatDuration(task.durationMs ?? 0)}${task.attempts > 1 ? ` (attempt ${task.attempts})` : ''}${task.usage ? `, ${formatUsage(task.usage)}` : ''}`;
    case 'failed':
      return `${stamp} ${pc.red('✖')} ${name} failed after ${task.attempts} attempt${task.attempts === 1 ? '' : 's'}: ${task.reason ?? ''}`;
    default:
      return `${stamp} ${pc.yellow('•')} ${name} ${colourState(task.state)}${task.reason ? `: ${task.reason}` : ''}`;
  }
}
