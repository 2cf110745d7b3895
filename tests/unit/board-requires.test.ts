import { describe, expect, it } from 'vitest';
import { normaliseBoard } from '../../src/board/load.js';
import type { Issue } from '../../src/errors.js';
import { loaderIssues } from '../support/board-issues.js';

type Board = Record<string, unknown>;

const load = (raw: Board) => normaliseBoard(raw, { source: 'test', baseDir: '/tmp', home: '/tmp/todone-home' });
const requiresOf = (raw: Board) => Object.fromEntries(load(raw).tasks.map((t) => [t.id, t.requires]));

const issuesOf = (raw: Board): Issue[] => loaderIssues(() => load(raw));

const tasks = [
  { id: 'plain' },
  { id: 'train', requires: ['gpu', 'cuda', 'gpu'] },
  { id: 'ship', type: 'deploy' },
  { id: 'one', requires: 'gpu' },
  { id: 'anywhere', type: 'deploy', requires: [] },
];

describe('requires: what a worker must offer to run a task', () => {
  it('is sorted, without repeats, and absent when nothing is required', () => {
    const got = requiresOf({ name: 'b', agent: 'true', tasks });
    expect(got).toEqual({
      plain: undefined,
      train: ['cuda', 'gpu'],
      ship: undefined,
      one: ['gpu'],
      anywhere: undefined,
    });
    expect(Object.keys(load({ name: 'b', agent: 'true', tasks }).tasks[0]!)).not.toContain('requires');
  });

  it('takes the board’s list for every task, and the task’s own list instead of it', () => {
    const got = requiresOf({ name: 'b', agent: 'true', requires: ['linux'], tasks });
    expect(got).toEqual({
      plain: ['linux'],
      train: ['cuda', 'gpu'],
      ship: ['linux'],
      one: ['gpu'],
      anywhere: undefined,
    });
  });

  it('takes the board’s list for a task’s type', () => {
    const got = requiresOf({
      name: 'b',
      agent: 'true',
      requires: { deploy: ['prod-creds'], generic: ['linux'] },
      tasks,
    });
    expect(got).toEqual({
      plain: ['linux'],
      train: ['cuda', 'gpu'],
      ship: ['prod-creds'],
      one: ['gpu'],
      anywhere: undefined,
    });
  });

  it('applies to a reduce step, not to what the workflow computes itself', () => {
    const got = requiresOf({
      name: 'b',
      agent: 'true',
      requires: ['gpu'],
      tasks: [
        { id: 'a' },
        { id: 'sum', dependsOn: ['a'], aggregate: { reduce: 'jq -s add' } },
        { id: 'all', dependsOn: ['a'], aggregate: 'concat' },
      ],
    });
    expect(got).toEqual({ a: ['gpu'], sum: ['gpu'], all: undefined });
  });

  it('refuses bad names, naming the field', () => {
    const issues = issuesOf({
      name: 'b',
      agent: 'true',
      requires: { deploy: ['Prod Creds'] },
      tasks: [
        { id: 'a', requires: ['gpu', 'GPU'] },
        { id: 'b', requires: 7 },
        { id: 'c', requires: ['a', 'b', 'c', 'd', 'e', 'f'] },
      ],
    });
    expect(issues).toHaveLength(4);
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: 'tasks[0].requires[1]',
          message:
            'expected a capability name (lowercase letters, digits, ".", "_", "-"; at most 40 characters), got "GPU"',
        },
        { path: 'tasks[1].requires', message: 'expected a list of capability names, got 7' },
        { path: 'tasks[2].requires', message: 'at most 5 capabilities (a worker offers at most 5)' },
        {
          path: 'requires.deploy[0]',
          message:
            'expected a capability name (lowercase letters, digits, ".", "_", "-"; at most 40 characters), got "Prod Creds"',
        },
      ]),
    );
  });

  it('refuses a board-level value that is neither a list nor a mapping', () => {
    expect(issuesOf({ name: 'b', agent: 'true', requires: 3, tasks: [{ id: 'a' }] })).toEqual([
      { path: 'requires', message: 'expected a list of capability names, or a mapping of task types to lists, got 3' },
    ]);
  });
});
