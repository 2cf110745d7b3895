import type { Usage } from '../core/usage.js';

export function usageText(usage: Usage | undefined): string {
  if (!usage) return 'none reported';
  const tokens = usage.inputTokens + usage.outputTokens;
  return `${usage.costUsd !== undefined ? `$${usage.costUsd.toFixed(4)}, ` : ''}${tokens.toLocaleString('en-US')} tokens`;
}
