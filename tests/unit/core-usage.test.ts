import { describe, expect, it } from 'vitest';
import { budgetBlocks } from '../../activities/attempt-facts.js';
import { addUsage, budgetSpent, totalTokens } from '../../src/core/usage.js';

describe('usage and budgets', () => {
  it('adds usage, keeping cost and cache only when someone reported them', () => {
    expect(addUsage(undefined, undefined)).toBeUndefined();
    expect(addUsage({ inputTokens: 1, outputTokens: 2 }, { inputTokens: 10, outputTokens: 20 })).toEqual({
      inputTokens: 11,
      outputTokens: 22,
    });
    expect(
      addUsage(
        { inputTokens: 1, outputTokens: 2, costUsd: 0.1 },
        { inputTokens: 1, outputTokens: 1, cachedInputTokens: 5, costUsd: 0.2 },
      ),
    ).toEqual({
      inputTokens: 2,
      outputTokens: 3,
      cachedInputTokens: 5,
      costUsd: 0.3,
    });
    expect(totalTokens({ inputTokens: 7, outputTokens: 3 })).toBe(10);
  });

  it('says a budget is spent once tokens or dollars reach it', () => {
    expect(budgetSpent({ inputTokens: 500, outputTokens: 499 }, { tokens: 1000 })).toBeUndefined();
    expect(budgetSpent({ inputTokens: 500, outputTokens: 500 }, { tokens: 1000 })).toBe(
      'spent 1000 of a 1000-token budget',
    );
    expect(budgetSpent({ inputTokens: 1, outputTokens: 1, costUsd: 2.5 }, { usd: 2 })).toBe(
      'spent $2.5000 of a $2 budget',
    );
    expect(budgetSpent(undefined, { usd: 0 })).toBe('spent $0.0000 of a $0 budget');
    expect(budgetSpent({ inputTokens: 10, outputTokens: 10 }, undefined)).toBeUndefined();
  });

  it('refuses a retry whose earlier attempts used up the board or task budget', () => {
    const earlier = { inputTokens: 600, outputTokens: 0 };
    expect(
      budgetBlocks({ board: { tokens: 1000 }, boardSpent: { inputTokens: 300, outputTokens: 0 } }, earlier),
    ).toBeUndefined();
    expect(budgetBlocks({ board: { tokens: 1000 }, boardSpent: { inputTokens: 400, outputTokens: 0 } }, earlier)).toBe(
      'board budget used up: spent 1000 of a 1000-token budget',
    );
    expect(budgetBlocks({ task: { tokens: 500 } }, earlier)).toBe(
      'task budget used up: spent 600 of a 500-token budget',
    );
    expect(budgetBlocks(undefined, earlier)).toBeUndefined();
  });
});
