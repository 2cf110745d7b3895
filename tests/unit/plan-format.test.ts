import { describe, expect, it } from 'vitest';
import type { BoardSpec } from '../../src/core/board.js';
import type { GraphTask } from '../../src/core/graph.js';
import { planBoard, type BoardPlan } from '../../src/core/plan.js';
import { planCommand, type PlanCommandOptions } from '../../src/cli/commands/plan.js';
import { formatDot, formatMermaid } from '../../src/cli/format/graph.js';
import { formatPlanText, verdict } from '../../src/cli/format/plan-text.js';
import { InvalidInputError } from '../../src/errors.js';
import { toTaskSpec } from './arbitraries.js';

const MIN = 60_000;

function boardOf(name: string, tasks: GraphTask[], maxParallel = 4): BoardSpec {
  return {
    id: name.toLowerCase().replace(/\W+/g, '-'),
    name,
    workdir: '/tmp/board',
    maxParallel,
    policy: 'eager',
    tasks: tasks.map(toTaskSpec),
  };
}

const t = (id: string, dependsOn: string[], estimateMs: number): GraphTask => ({
  id,
  dependsOn,
  estimateMs,
  priority: 0,
});

/** a (1m) fans out to b (30s) and c (3m), which both feed d (30s): critical path a -> c -> d, 4m30s. */
const diamond = boardOf(
  'Diamond',
  [t('a', [], MIN), t('b', ['a'], MIN / 2), t('c', ['a'], 3 * MIN), t('d', ['b', 'c'], MIN / 2)],
  2,
);

function run(options: Omit<PlanCommandOptions, 'write'>): { code: number; out: string } {
  let out = '';
  const code = planCommand({ ...options, write: (text) => (out += text) });
  return { code, out };
}

describe('plan text', () => {
  it('describes a diamond', () => {
    const { code, out } = run({ board: diamond });
    expect(code).toBe(0);
    expect(out).toBe(
      [
        'Board "Diamond" (diamond): 4 tasks, 4 dependencies, 5m of estimated work.',
        '',
        'Waves (3):',
        '  wave 1: a',
        '  wave 2: b, c',
        '  wave 3: d',
        '',
        'Critical path: a -> c -> d (4m30s)',
        'Max parallelism: 2 (widest wave)',
        '',
        'Simulated makespan on 2 slots (maxParallel), each task taking its estimate:',
        '  eager (todone)    4m30s',
        '  waves (barriers)  4m30s',
        '  lower bound       4m30s',
        '  sequential        5m',
        'Parallelization factor: 1.11 (sequential / eager)',
        '',
        'Running in parallel is not worth it: mostly sequential: parallel runs would be only 1.11x faster than one at a time.',
        '',
      ].join('\n'),
    );
  });

  it('says when parallel execution is worth it and how much eager saves over waves', () => {
    // Two independent chains with unequal links: waves make each link wait for the slower one.
    const board = boardOf('Chains', [
      t('x1', [], 4 * MIN),
      t('x2', ['x1'], MIN),
      t('y1', [], MIN),
      t('y2', ['y1'], 4 * MIN),
      t('z', [], 4 * MIN),
    ]);
    const { out } = run({ board });
    expect(out).toContain('  eager (todone)    5m\n');
    expect(out).toContain('  waves (barriers)  8m\n');
    expect(out).toContain('eager saves 3m (38%) over waves');
    expect(out).toContain('Parallelization factor: 2.80 (sequential / eager)');
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      'Parallel execution is worth it: ~2.8x faster than running tasks one at a time.',
    );
  });

  it('gives every reason when it is not worth it', () => {
    const { out } = run({ board: boardOf('Pair', [t('a', [], 1_000), t('b', [], 1_000)], 1) });
    expect(out).toContain('Board "Pair" (pair): 2 tasks, 0 dependencies, 2.00s of estimated work.');
    expect(out).toContain(
      'Running in parallel is not worth it: only 2 tasks: not worth the overhead; maxParallel is 1: tasks will run one at a time.',
    );
    expect(out).toContain('on 1 slot (maxParallel)');
  });

  it('calls a chain a chain', () => {
    const chain = Array.from({ length: 10 }, (_, i) => t(`step${i}`, i === 0 ? [] : [`step${i - 1}`], MIN));
    const { out } = run({ board: boardOf('Chain', chain) });
    expect(out).toContain(
      'Critical path: step0 -> step1 -> step2 -> step3 -> step4 -> step5 -> step6 -> step7 -> step8 -> step9 (10m)',
    );
    expect(out).toContain(
      'Running in parallel is not worth it: the graph is a chain: every task waits for the one before it.',
    );
  });

  it('admits the rare board where waves pack better', () => {
    const board = boardOf(
      'Anomaly',
      [t('t0', [], 1), t('t1', ['t0'], 2), t('t2', [], 1), t('t3', [], 2), t('t4', ['t3'], 2), t('t5', ['t2'], 4)],
      2,
    );
    expect(run({ board }).out).toContain('waves would finish 1ms (17%) sooner on these estimates');
  });

  it('elides long lists but keeps both ends', () => {
    const wide = Array.from({ length: 100 }, (_, i) => t(`w${i}`, [], 1_000));
    const chain = Array.from({ length: 100 }, (_, i) => t(`c${i}`, i === 0 ? [] : [`c${i - 1}`], 1_000));
    const board = boardOf('Big', [...wide, ...chain]);
    const text = formatPlanText(board, planBoard(board.tasks, 4), { maxIds: 4, maxWaves: 3 });
    expect(text).toContain('  wave 1: w0, w1, ... (97 more), w99, c0\n');
    expect(text).toContain('  wave 3: c2\n');
    expect(text).toContain('  ... 97 more waves\n');
    expect(text).toContain('Critical path: c0 -> c1 -> ... (96 more) -> c98 -> c99 (1m40s)');
  });

  it('lists what tasks require, by set, and nothing for a board that requires nothing', () => {
    const board = boardOf('Fleet', [t('a', [], MIN), t('b', ['a'], MIN), t('c', ['a'], MIN), t('d', [], MIN)]);
    board.tasks[1]!.requires = ['gpu'];
    board.tasks[2]!.requires = ['cuda', 'gpu'];
    board.tasks[3]!.requires = ['gpu'];
    expect(run({ board }).out).toContain(
      'Requires (run only on workers offering these):\n  gpu: b, d\n  cuda+gpu: c\n\n',
    );
    expect(run({ board: diamond }).out).not.toContain('Requires');
  });

  it('handles an empty board', () => {
    const { out } = run({ board: boardOf('Empty', []) });
    expect(out).toContain('0 tasks');
    expect(out).toContain('Critical path: none (no tasks)');
  });

  it('verdict reads the plan advice', () => {
    const plan: Pick<BoardPlan, 'advice' | 'parallelizationFactor'> = {
      advice: { worthIt: true, reasons: [] },
      parallelizationFactor: 3.24,
    };
    expect(verdict(plan)).toBe('Parallel execution is worth it: ~3.2x faster than running tasks one at a time.');
  });
});

describe('plan --json', () => {
  it('prints the BoardPlan object', () => {
    const { code, out } = run({ board: diamond, json: true, format: 'dot' });
    expect(code).toBe(0);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(planBoard(diamond.tasks, diamond.maxParallel));
  });
});

describe('tasks that may run at once and name the same files', () => {
  const shared: BoardSpec = {
    ...boardOf('Shared', [t('a', [], MIN), t('b', [], MIN), t('c', ['a', 'b'], MIN)]),
  };
  shared.tasks[0]!.description = 'Rework `src/parser.ts`.';
  shared.tasks[1]!.description = 'Speed up src/parser.ts.';
  shared.tasks[2]!.description = 'Document src/parser.ts.';

  it('are listed after the makespans, with what to do about them', () => {
    const { out } = run({ board: shared });
    expect(out).toContain(
      'Tasks that may run at the same time and name the same files (from their descriptions):\n' +
        '  src/parser.ts: a, b\n' +
        'Their merges may conflict: make one depend on the other, or split the work by file.\n',
    );
    // c depends on both: it never runs beside them, and is not listed.
    expect(out).not.toMatch(/src\/parser\.ts: .*c/);
  });

  it('are in the JSON as sameFiles, and absent from boards that have none', () => {
    expect(JSON.parse(run({ board: shared, json: true }).out)).toMatchObject({
      sameFiles: [{ file: 'src/parser.ts', tasks: ['a', 'b'] }],
    });
    expect(run({ board: diamond }).out).not.toContain('name the same files');
  });
});

describe('plan pictures', () => {
  it('draws a diamond in Mermaid with dependency -> dependent edges and the critical path highlighted', () => {
    const { out } = run({ board: diamond, format: 'mermaid' });
    expect(out).toBe(
      [
        'flowchart LR',
        '  t0["a (1m)"]',
        '  t1["b (30.0s)"]',
        '  t2["c (3m)"]',
        '  t3["d (30.0s)"]',
        '  t0 --> t1',
        '  t0 --> t2',
        '  t1 --> t3',
        '  t2 --> t3',
        '  classDef critical stroke:#d62728,stroke-width:3px',
        '  class t0,t2,t3 critical',
        '  linkStyle 1,3 stroke:#d62728,stroke-width:3px',
        '',
      ].join('\n'),
    );
  });

  it('draws a diamond in dot', () => {
    const { out } = run({ board: diamond, format: 'dot' });
    expect(out).toBe(
      [
        'digraph "Diamond" {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  "a" [label="a\\n1m", color="#d62728", penwidth=2];',
        '  "b" [label="b\\n30.0s"];',
        '  "c" [label="c\\n3m", color="#d62728", penwidth=2];',
        '  "d" [label="d\\n30.0s", color="#d62728", penwidth=2];',
        '  "a" -> "b";',
        '  "a" -> "c" [color="#d62728", penwidth=2];',
        '  "b" -> "d";',
        '  "c" -> "d" [color="#d62728", penwidth=2];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('quotes ids that would break either syntax', () => {
    const tasks = [
      t('end', [], 1),
      t('a-b.c', ['end'], 1),
      t('say "hi"\\', ['a-b.c'], 1),
      t('<b>#1&', ['end', 'end'], 1),
    ];
    const mermaid = formatMermaid(tasks, { criticalPath: ['end', 'a-b.c'], estimates: false });
    expect(mermaid).toContain('  t0["end"]\n');
    expect(mermaid).toContain('  t1["a-b.c"]\n');
    expect(mermaid).toContain('  t2["say #34;hi#34;\\"]\n');
    expect(mermaid).toContain('  t3["#60;b#62;#35;1#38;"]\n');
    // A duplicated dependency is one edge.
    expect(mermaid.match(/t0 --> t3/g)).toHaveLength(1);
    expect(mermaid).toContain('  linkStyle 0 stroke');

    const dot = formatDot(tasks, { title: 'My "board"', estimates: false });
    expect(dot.split('\n')[0]).toBe('digraph "My \\"board\\"" {');
    expect(dot).toContain('  "say \\"hi\\"\\\\" [label="say \\"hi\\"\\\\"];');
    expect(dot).toContain('  "a-b.c" -> "say \\"hi\\"\\\\";');
    expect(dot).not.toContain('color=');
  });

  it('leaves out edges to unknown tasks rather than inventing nodes', () => {
    const tasks = [t('a', ['ghost'], 1)];
    expect(formatMermaid(tasks)).not.toContain('-->');
    expect(formatDot(tasks)).not.toContain('->');
  });

  it('rejects an unknown format as bad input', () => {
    const options = { board: diamond, format: 'svg', write: () => undefined } as unknown as PlanCommandOptions;
    expect(() => planCommand(options)).toThrow(InvalidInputError);
  });
});
