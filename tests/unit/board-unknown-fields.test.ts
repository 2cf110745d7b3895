import { describe, expect, it } from 'vitest';
import { normaliseBoard } from '../../src/board/load.js';
import type { Issue } from '../../src/errors.js';
import { loaderIssues } from '../support/board-issues.js';

type Board = Record<string, unknown>;

const issuesOf = (raw: Board): Issue[] =>
  loaderIssues(() => normaliseBoard(raw, { source: 'test', baseDir: '/tmp', home: '/tmp/todone-home' }));

const task = (fields: Board = {}): Board => ({ id: 'a', ...fields });
const board = (fields: Board = {}, tasks: Board[] = [task()]): Board => ({
  name: 'x',
  agent: 'true',
  ...fields,
  tasks,
});

/** One typo per kind of mapping a board has: where it is reported, and the field it suggests. */
const cases: { mapping: string; board: Board; path: string; suggests: string }[] = [
  { mapping: 'board', board: board({ maxParralel: 2 }), path: 'maxParralel', suggests: 'maxParallel' },
  {
    mapping: 'task',
    board: board({}, [task({ descripton: 'd' })]),
    path: 'tasks[0].descripton',
    suggests: 'description',
  },
  {
    mapping: 'shell agent',
    board: board({}, [task({ agent: { kind: 'shell', command: 'true', evn: {} } })]),
    path: 'tasks[0].agent.evn',
    suggests: 'env',
  },
  {
    mapping: 'claude agent',
    board: board({ agent: { kind: 'claude', modle: 'sonnet' } }),
    path: 'agent.modle',
    suggests: 'model',
  },
  {
    mapping: 'codex agent',
    board: board({}, [task({ agent: { kind: 'codex', arsg: [] } })]),
    path: 'tasks[0].agent.arsg',
    suggests: 'args',
  },
  {
    mapping: 'gemini agent',
    board: board({}, [task({ agent: { kind: 'gemini', bni: 'g' } })]),
    path: 'tasks[0].agent.bni',
    suggests: 'bin',
  },
  {
    mapping: 'aider agent',
    board: board({}, [task({ agent: { kind: 'aider', modl: 'm' } })]),
    path: 'tasks[0].agent.modl',
    suggests: 'model',
  },
  {
    mapping: 'custom agent',
    board: board({}, [task({ agent: { kind: 'custom', command: ['x', '{prompt}'], envv: {} } })]),
    path: 'tasks[0].agent.envv',
    suggests: 'env',
  },
  {
    mapping: 'board retry',
    board: board({ retry: { maxAttemps: 2 } }),
    path: 'retry.maxAttemps',
    suggests: 'maxAttempts',
  },
  {
    mapping: 'task retry',
    board: board({}, [task({ retry: { initalInterval: '1s' } })]),
    path: 'tasks[0].retry.initalInterval',
    suggests: 'initialInterval',
  },
  {
    mapping: 'board budget',
    board: board({ budget: { usd: 1, onExhaustd: 'cancel' } }),
    path: 'budget.onExhaustd',
    suggests: 'onExhausted',
  },
  {
    mapping: 'task budget',
    board: board({}, [task({ budget: { tokns: 10 } })]),
    path: 'tasks[0].budget.tokns',
    suggests: 'tokens',
  },
  {
    mapping: 'attempts',
    board: board({}, [task({ attempts: { cuont: 2 } })]),
    path: 'tasks[0].attempts.cuont',
    suggests: 'count',
  },
  {
    mapping: 'an agent of attempts.agents',
    board: board({}, [task({ attempts: { agents: [{ kind: 'claude', modle: 'opus' }, 'true'] } })]),
    path: 'tasks[0].attempts.agents[0].modle',
    suggests: 'model',
  },
  {
    mapping: 'worktrees',
    board: board({ worktrees: { keepFaild: true } }),
    path: 'worktrees.keepFaild',
    suggests: 'keepFailed',
  },
  {
    mapping: 'integration',
    board: board({ integration: { stratgy: 'merge' } }),
    path: 'integration.stratgy',
    suggests: 'strategy',
  },
  {
    mapping: 'integration.author',
    board: board({ integration: { author: { name: 'A', email: 'a@b', emial: 'c@d' } } }),
    path: 'integration.author.emial',
    suggests: 'email',
  },
  {
    mapping: 'validate entry',
    board: board({}, [task({ validate: [{ run: 'npm test', requird: false }] })]),
    path: 'tasks[0].validate[0].requird',
    suggests: 'required',
  },
  {
    mapping: 'agents (task types)',
    board: board({ agents: { biuld: 'make' } }),
    path: 'agents.biuld',
    suggests: 'build',
  },
  {
    mapping: 'an agent under agents',
    board: board({ agents: { build: { kind: 'gemini', modle: 'pro' } } }),
    path: 'agents.build.modle',
    suggests: 'model',
  },
  {
    mapping: 'validators (task types)',
    board: board({ validators: { tset: ['npm test'] } }),
    path: 'validators.tset',
    suggests: 'test',
  },
  {
    mapping: 'a validate entry under validators',
    board: board({ validators: { test: [{ run: 'npm test', requried: true }] } }),
    path: 'validators.test[0].requried',
    suggests: 'required',
  },
  {
    mapping: 'requires (task types)',
    board: board({ requires: { deplyo: ['gpu'] } }),
    path: 'requires.deplyo',
    suggests: 'deploy',
  },
  {
    mapping: 'expectChanges (task types)',
    board: board({ expectChanges: { anlyze: true } }),
    path: 'expectChanges.anlyze',
    suggests: 'analyze',
  },
];

describe('unknown fields', () => {
  it.each(cases)('a typo in $mapping is named with a suggestion', ({ board: raw, path, suggests }) => {
    const issues = issuesOf(raw);
    expect(issues, JSON.stringify(issues, null, 2)).toContainEqual({
      path,
      message: `unknown field (did you mean ${JSON.stringify(suggests)}?)`,
    });
  });

  it('lists what a budget and attempts accept when nothing is close', () => {
    const issues = issuesOf(board({ budget: { zzzzzz: 1 } }, [task({ attempts: { zzzzzz: 1 } })]));
    expect(issues).toContainEqual({
      path: 'budget.zzzzzz',
      message: 'unknown field (expected one of: usd, tokens, onExhausted)',
    });
    expect(issues).toContainEqual({
      path: 'tasks[0].attempts.zzzzzz',
      message: 'unknown field (expected one of: count, agents, pick)',
    });
  });

  it('offers a task budget only the fields it has (onExhausted is the board’s)', () => {
    const issues = issuesOf(board({}, [task({ budget: { zzzzzz: 1 } })]));
    expect(issues).toContainEqual({
      path: 'tasks[0].budget.zzzzzz',
      message: 'unknown field (expected one of: usd, tokens)',
    });
  });

  it('reads an agent’s fields from its own kind', () => {
    const issues = issuesOf(board({}, [task({ agent: { kind: 'custom', command: ['x'], zzzzzz: 1 } })]));
    expect(issues).toContainEqual({
      path: 'tasks[0].agent.zzzzzz',
      message: 'unknown field (expected one of: kind, command, env)',
    });
  });
});
