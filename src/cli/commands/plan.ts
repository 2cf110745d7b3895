/**
 * `todone plan <board>`: what running the board would look like, without running it.
 * Pure: the caller loads and validates the board and decides where the text goes.
 */
import type { BoardSpec } from '../../core/board.js';
import { planBoard } from '../../core/plan.js';
import { sharedFiles } from '../../core/shared-files.js';
import { InvalidInputError } from '../../errors.js';
import { formatDot, formatMermaid } from '../format/graph.js';
import { formatPlanText } from '../format/plan-text.js';

export type PlanFormat = 'text' | 'mermaid' | 'dot';

export interface PlanCommandOptions {
  board: BoardSpec;
  /** Print the BoardPlan object; takes precedence over `format`. */
  json?: boolean;
  format?: PlanFormat;
  write: (text: string) => void;
}

export function planCommand(options: PlanCommandOptions): number {
  const { board, write } = options;
  const plan = planBoard(board.tasks, board.maxParallel);
  const shared = sharedFiles(board.tasks);
  if (options.json) {
    write(JSON.stringify(shared.length ? { ...plan, sameFiles: shared } : plan, null, 2) + '\n');
    return 0;
  }
  const format = options.format ?? 'text';
  switch (format) {
    case 'text':
      write(formatPlanText(board, plan, { shared }));
      break;
    case 'mermaid':
      write(formatMermaid(board.tasks, { criticalPath: plan.criticalPath.ids }));
      break;
    case 'dot':
      write(formatDot(board.tasks, { criticalPath: plan.criticalPath.ids, title: board.name }));
      break;
    default: {
      // Typed callers cannot get here; an unchecked flag from the command line can.
      const unknown: never = format;
      throw new InvalidInputError('--format', [
        { path: 'format', message: `unknown format "${String(unknown)}" (use text, mermaid or dot)` },
      ]);
    }
  }
  return 0;
}
