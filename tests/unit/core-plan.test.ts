import { describe, expect, it } from 'vitest';
import type { GraphTask } from '../../src/core/graph.js';
import { MIN_WORTHWHILE_SPEEDUP, planBoard } from '../../src/core/plan.js';

const t = (id: string, dependsOn: string[] = [], estimateMs = 60_000): GraphTask => ({
  id,
  dependsOn,
  estimateMs,
  priority: 0,
});

describe('planBoard', () => {
  it('says two tasks are not worth it', () => {
    const plan = planBoard([t('a'), t('b')], 4);
    expect(plan.advice.worthIt).toBe(false);
    expect(plan.advice.reasons.join(' ')).toMatch(/only 2 tasks/);
  });

  it('recognises a chain', () => {
    const chain = Array.from({ length: 10 }, (_, i) => t(`t${i}`, i === 0 ? [] : [`t${i - 1}`]));
    const plan = planBoard(chain, 4);
    expect(plan.advice.worthIt).toBe(false);
    expect(plan.advice.reasons.join(' ')).toMatch(/chain/);
    expect(plan.maxParallelism).toBe(1);
    expect(plan.waves).toHaveLength(10);
    expect(plan.criticalPath.ids).toEqual(chain.map((c) => c.id));
    expect(plan.parallelizationFactor).toBe(1);
  });

  it('finds 8 independent equal tasks on 4 slots worth it, about 4x faster', () => {
    const plan = planBoard(
      Array.from({ length: 8 }, (_, i) => t(`t${i}`)),
      4,
    );
    expect(plan.advice).toEqual({ worthIt: true, reasons: [] });
    expect(plan.parallelizationFactor).toBeCloseTo(4);
    expect(plan.makespan).toEqual({ eagerMs: 120_000, wavesMs: 120_000, lowerBoundMs: 120_000, sequentialMs: 480_000 });
    expect(plan.maxParallelism).toBe(8);
    expect(plan.edgeCount).toBe(0);
  });

  it('calls a barely parallel board mostly sequential', () => {
    const plan = planBoard(
      [t('a', [], 100_000), t('b', ['a'], 100_000), t('c', ['b'], 100_000), t('d', [], 10_000)],
      4,
    );
    expect(plan.parallelizationFactor).toBeLessThan(MIN_WORTHWHILE_SPEEDUP);
    expect(plan.advice.reasons.join(' ')).toMatch(/mostly sequential/);
  });

  it('warns when maxParallel is 1', () => {
    const plan = planBoard(
      Array.from({ length: 4 }, (_, i) => t(`t${i}`)),
      1,
    );
    expect(plan.advice.worthIt).toBe(false);
    expect(plan.advice.reasons.join(' ')).toMatch(/maxParallel is 1/);
  });

  it('summarises a diamond', () => {
    const plan = planBoard([t('a', [], 10), t('b', ['a'], 20), t('c', ['a'], 30), t('d', ['b', 'c'], 10)], 2);
    expect(plan).toMatchObject({
      taskCount: 4,
      edgeCount: 4,
      slots: 2,
      waves: [['a'], ['b', 'c'], ['d']],
      criticalPath: { ids: ['a', 'c', 'd'], lengthMs: 50 },
      maxParallelism: 2,
      totalWorkMs: 70,
      makespan: { eagerMs: 50, wavesMs: 50, lowerBoundMs: 50, sequentialMs: 70 },
    });
    expect(plan.parallelizationFactor).toBeCloseTo(70 / 50);
  });
});
