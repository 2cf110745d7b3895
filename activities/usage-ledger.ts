/**
 * Each attempt's usage on disk beside its log, so a retry knows what this task's earlier attempts
 * spent: Temporal retries an activity without telling the workflow, and budgets must still hold.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { addUsage, budgetSpent, type Usage } from '../src/core/usage.js';
import type { RunTaskInput } from './types.js';

function ledgerFile(dir: string, attempt: number): string {
  return path.join(dir, `usage-${attempt}.json`);
}

export async function recordUsage(dir: string, attempt: number, usage: Usage | undefined): Promise<void> {
  await fs.writeFile(ledgerFile(dir, attempt), JSON.stringify(usage ?? { inputTokens: 0, outputTokens: 0 }));
}

/** What attempts 1..attempt-1 of this activity spent (an attempt that died before recording counts as 0). */
export async function earlierUsage(dir: string, attempt: number): Promise<Usage | undefined> {
  let total: Usage | undefined;
  for (let n = 1; n < attempt; n++) {
    try {
      total = addUsage(total, JSON.parse(await fs.readFile(ledgerFile(dir, n), 'utf8')) as Usage);
    } catch {
      // Not recorded: that attempt's worker died mid-run.
    }
  }
  return total;
}

/** Why this attempt must not start, or undefined when every budget has room left. */
export function budgetBlocks(budgets: RunTaskInput['budgets'], earlier: Usage | undefined): string | undefined {
  if (!budgets) return undefined;
  const board = budgetSpent(addUsage(budgets.boardSpent, earlier), budgets.board);
  if (board) return `board budget used up: ${board}`;
  const task = budgetSpent(addUsage(budgets.taskSpent, earlier), budgets.task);
  return task ? `task budget used up: ${task}` : undefined;
}
