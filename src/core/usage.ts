/** Tokens and money spent by agents, and the budgets that cap them. Pure: the workflow sums these. */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** The part of inputTokens served from the provider's cache, when reported. */
  cachedInputTokens?: number;
  costUsd?: number;
}

export interface BudgetSpec {
  usd?: number;
  tokens?: number;
}

export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a) return b;
  if (!b) return a;
  const sum: Usage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  if (a.cachedInputTokens !== undefined || b.cachedInputTokens !== undefined) {
    sum.cachedInputTokens = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  }
  if (a.costUsd !== undefined || b.costUsd !== undefined) sum.costUsd = roundUsd((a.costUsd ?? 0) + (b.costUsd ?? 0));
  return sum;
}

/** `{ usage }` to spread into a status or outcome, or nothing when no agent reported any. */
export function withUsage(usage: Usage | undefined): { usage?: Usage } {
  return usage ? { usage } : {};
}

export function totalTokens(usage: Usage | undefined): number {
  return usage ? usage.inputTokens + usage.outputTokens : 0;
}

/** Why `spent` has used up `budget`, or undefined while there is some left. */
export function budgetSpent(spent: Usage | undefined, budget: BudgetSpec | undefined): string | undefined {
  if (!budget) return undefined;
  if (budget.usd !== undefined && (spent?.costUsd ?? 0) >= budget.usd) {
    return `spent $${(spent?.costUsd ?? 0).toFixed(4)} of a $${budget.usd} budget`;
  }
  if (budget.tokens !== undefined && totalTokens(spent) >= budget.tokens) {
    return `spent ${totalTokens(spent)} of a ${budget.tokens}-token budget`;
  }
  return undefined;
}

function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
