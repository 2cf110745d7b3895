import { describe, expect, it } from 'vitest';
import { aggregateOutputs } from '../../src/core/aggregate.js';

describe("aggregating dependencies' outputs", () => {
  it('concat splices lists and appends other values, in dependency order, naming what is missing', () => {
    const { output, report } = aggregateOutputs('concat', [
      { id: 'a', output: [1, 2] },
      { id: 'b', output: undefined },
      { id: 'c', output: { x: 1 } },
      { id: 'd', output: [3] },
    ]);
    expect(output).toEqual([1, 2, { x: 1 }, 3]);
    expect(report).toEqual({ kind: 'concat', missing: ['b'] });
  });

  it('merge deep-merges objects and reports every conflicting key with who gave what', () => {
    const { output, report } = aggregateOutputs('merge', [
      { id: 'a', output: { pkg: { name: 'x', deps: 3 }, lint: 'ok' } },
      { id: 'b', output: { pkg: { deps: 5, size: 10 }, tests: 12 } },
      { id: 'c', output: { lint: 'ok', tests: 12 } },
    ]);
    expect(output).toEqual({ pkg: { name: 'x', deps: 5, size: 10 }, lint: 'ok', tests: 12 });
    expect(report.conflicts).toEqual([
      {
        path: 'pkg.deps',
        values: [
          { from: 'a', value: 3 },
          { from: 'b', value: 5 },
        ],
      },
    ]);
  });

  it('vote keeps the majority value by content, and reports a tie', () => {
    const majority = aggregateOutputs('vote', [
      { id: 'a', output: { verdict: 'ship', n: 1 } },
      { id: 'b', output: { n: 1, verdict: 'ship' } },
      { id: 'c', output: { verdict: 'hold', n: 1 } },
    ]);
    expect(majority.output).toEqual({ verdict: 'ship', n: 1 });
    expect(majority.report.tie).toBeUndefined();
    expect(majority.report.votes!.map((v) => [v.count, v.from])).toEqual([
      [2, ['a', 'b']],
      [1, ['c']],
    ]);

    const tie = aggregateOutputs('vote', [
      { id: 'a', output: 'yes' },
      { id: 'b', output: 'no' },
    ]);
    expect(tie.output).toBe('yes');
    expect(tie.report.tie).toBe(true);
  });
});
