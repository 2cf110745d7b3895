/** The board's side of the trust boundaries: secrets by name only, and how tasks are confined. */
import { describe, expect, it } from 'vitest';
import { normaliseBoard } from '../../src/board/load.js';
import type { Issue } from '../../src/errors.js';
import { loaderIssues } from '../support/board-issues.js';

function load(board: Record<string, unknown>) {
  return normaliseBoard({ name: 'trust', ...board }, { source: 'request', baseDir: '/' });
}

const issuesOf = (board: Record<string, unknown>): Issue[] => loaderIssues(() => load(board));

describe('secrets in agent env', () => {
  it('keeps a { fromEnv } reference as a reference: the normalised board holds the name, never a value', () => {
    process.env.TODONE_TEST_ANTHROPIC_KEY = 'sk-ant-must-not-appear';
    try {
      const board = load({
        agent: {
          kind: 'claude',
          env: {
            ANTHROPIC_API_KEY: { fromEnv: 'TODONE_TEST_ANTHROPIC_KEY' },
            ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
          },
        },
        tasks: [{ id: 'a' }],
      });
      expect(board.tasks[0]!.agent.env).toEqual({
        ANTHROPIC_API_KEY: { fromEnv: 'TODONE_TEST_ANTHROPIC_KEY' },
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      });
      expect(JSON.stringify(board)).not.toContain('sk-ant-must-not-appear');
    } finally {
      delete process.env.TODONE_TEST_ANTHROPIC_KEY;
    }
  });

  it.each(['ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'client_secret', 'MY_SECRET_THING'])(
    'refuses a literal value under %s, showing the safe form',
    (name) => {
      const issues = issuesOf({
        tasks: [{ id: 'a', agent: { kind: 'shell', command: 'true', env: { [name]: 'value' } } }],
      });
      expect(issues).toEqual([
        {
          path: `tasks[0].agent.env.${name}`,
          message: expect.stringContaining(`refer to it by name: \`${name}: { fromEnv: ${name} }\``) as string,
        },
      ]);
      expect(issues[0]!.message).toContain("stored in Temporal's history");
    },
  );

  it('accepts literal values under ordinary names, and refuses a malformed reference', () => {
    expect(
      load({ tasks: [{ id: 'a', agent: { kind: 'shell', command: 'true', env: { KEYBOARD: 'us', CI: 1 } } }] })
        .tasks[0]!.agent.env,
    ).toEqual({ KEYBOARD: 'us', CI: '1' });
    const issues = issuesOf({
      tasks: [{ id: 'a', agent: { kind: 'codex', env: { OPENAI_API_KEY: { fromEnv: '1 bad' } } } }],
    });
    expect(issues).toEqual([
      {
        path: 'tasks[0].agent.env.OPENAI_API_KEY.fromEnv',
        message: 'expected a variable name (letters, digits and _, not starting with a digit), got "1 bad"',
      },
    ]);
  });
});

describe('sandbox and network', () => {
  it('confines every task by default, keeping the network', () => {
    const board = load({ agent: 'make', tasks: [{ id: 'a' }] });
    expect(board.tasks[0]!.agent).toEqual({ kind: 'shell', command: 'make', env: {}, sandbox: 'worktree' });
  });

  it('takes the task’s setting over the board’s, onto best-of-N candidates too', () => {
    const board = normaliseBoard(
      {
        name: 'trust',
        repo: '.',
        sandbox: 'none',
        agent: 'make',
        tasks: [
          { id: 'a' },
          { id: 'b', sandbox: 'worktree', network: false },
          {
            id: 'c',
            sandbox: 'worktree',
            attempts: { agents: [{ kind: 'codex' }, { kind: 'claude', permissive: true }] },
          },
        ],
      },
      { source: 'request', baseDir: '/srv/project', home: '/data' },
    );
    const [a, b, c] = board.tasks;
    expect(a!.agent).toMatchObject({ sandbox: 'none' });
    expect(a!.agent).not.toHaveProperty('network');
    expect(b!.agent).toMatchObject({ sandbox: 'worktree', network: false });
    expect(c!.candidates!.agents).toEqual([
      { kind: 'codex', args: [], env: {}, sandbox: 'worktree' },
      { kind: 'claude', args: [], env: {}, permissive: true, sandbox: 'worktree' },
    ]);
  });

  it('refuses a cut network without the sandbox, and unknown modes with the accepted ones', () => {
    expect(issuesOf({ agent: 'make', sandbox: 'none', network: false, tasks: [{ id: 'a' }] })).toEqual([
      {
        path: 'network',
        message: 'network: false needs sandbox: worktree (only a confined task can have its network cut)',
      },
    ]);
    const issues = issuesOf({ agent: 'make', tasks: [{ id: 'a', sandbox: 'worktre' }] });
    expect(issues).toEqual([
      {
        path: 'tasks[0].sandbox',
        message: 'expected one of "none", "worktree", got "worktre" (did you mean "worktree"?)',
      },
    ]);
  });
});
