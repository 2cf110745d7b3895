/** The board's side of the trust boundaries: secrets by name only, and how tasks are confined. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
  it('confines every task by default, with the default network (absent: the outside, not the host)', () => {
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

describe('network policies', () => {
  it('reads true, false and an allow list, normalised; an empty list is the default itself', () => {
    const board = load({
      agent: 'make',
      network: { allow: ['Registry.Internal:443', 'registry.internal:443', '[::1]:4000'] },
      tasks: [
        { id: 'a' },
        { id: 'b', network: true },
        { id: 'c', network: false },
        { id: 'd', network: { allow: [] } },
      ],
    });
    expect(board.tasks.map((t) => t.agent.network)).toEqual([
      { allow: ['registry.internal:443', '[::1]:4000'] },
      true,
      false,
      undefined,
    ]);
  });

  it('refuses an allow list without the sandbox, and bad entries naming each', () => {
    expect(issuesOf({ agent: 'make', sandbox: 'none', network: { allow: ['x:1'] }, tasks: [{ id: 'a' }] })).toEqual([
      {
        path: 'network',
        message: 'network: { allow } needs sandbox: worktree (an unconfined task has the host network, all of it)',
      },
    ]);
    expect(issuesOf({ agent: 'make', tasks: [{ id: 'a', network: { allow: ['x:1'], deny: [] } }] })).toEqual([
      { path: 'tasks[0].network.deny', message: 'unknown field (expected one of: allow)' },
    ]);
    expect(issuesOf({ agent: 'make', network: { alow: [] }, tasks: [{ id: 'a' }] })).toEqual([
      {
        path: 'network',
        message: 'unknown field "alow" (did you mean "allow"?) (expected { allow: [host:port, ...] })',
      },
    ]);
    expect(issuesOf({ agent: 'make', tasks: [{ id: 'a', network: { allow: ['localhost', 'a/b'] } }] })).toEqual([
      {
        path: 'tasks[0].network.allow[0]',
        message:
          "a service on the worker's own loopback needs its port (localhost:PORT): only that port is forwarded into the sandbox",
      },
      { path: 'tasks[0].network.allow[1]', message: 'expected host or host:port (no scheme, path or user), got "a/b"' },
    ]);
  });
});

describe('what a confined task may write', () => {
  it('adds a task’s writable folders and passEnv names to the board’s', () => {
    const board = load({
      agent: 'make',
      writable: ['~/.cache/tool', '/srv/cache'],
      passEnv: ['JAVA_HOME'],
      tasks: [{ id: 'a', writable: ['/srv/cache', '/srv/other'], passEnv: ['GOPATH', 'JAVA_HOME'] }, { id: 'b' }],
    });
    expect(board.tasks[0]!.agent).toMatchObject({
      writable: ['~/.cache/tool', '/srv/cache', '/srv/other'],
      passEnv: ['JAVA_HOME', 'GOPATH'],
    });
    expect(board.tasks[1]!.agent).toMatchObject({ writable: ['~/.cache/tool', '/srv/cache'], passEnv: ['JAVA_HOME'] });
  });

  it('refuses folders that would open the whole machine, git’s code, or Todone’s own folders', async () => {
    const home = os.homedir();
    const repo = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-trust-repo-'));
    const link = path.join(repo, 'link');
    await fs.symlink('/', link);
    try {
      const issues = loaderIssues(() =>
        normaliseBoard(
          {
            name: 'trust',
            repo,
            agent: 'make',
            writable: ['/', '~', 'rel', `${repo}/.git/hooks`, repo, '/data/boards', '/data', link],
            tasks: [{ id: 'a' }],
          },
          { source: 'request', baseDir: '/', home: '/data' },
        ),
      );
      expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
        'writable[0]: must not be / : that would make the whole filesystem writable',
        `writable[1]: must not be your home folder ${home} or a folder holding it: name the folder the tool writes (e.g. ~/.cache/tool)`,
        'writable[2]: must be an absolute path or ~/…, got "rel"',
        `writable[3]: must not be inside a .git folder (${repo}/.git/hooks): git runs hooks and reads config from there outside the sandbox`,
        `writable[4]: must not hold the board's repository ${repo}: its .git (hooks, config) would become writable`,
        "writable[5]: must not be in or hold Todone's data folder /data: tasks would reach other tasks' files and the tools the worker runs",
        "writable[6]: must not be in or hold Todone's data folder /data: tasks would reach other tasks' files and the tools the worker runs",
        `writable[7]: ${link} is a link to /: name the folder itself`,
      ]);
    } finally {
      await fs.rm(repo, { recursive: true, force: true });
    }
  });

  it('refuses TMPDIR and a config folder that would widen the writable set, on confined tasks only', () => {
    const agent = { kind: 'codex', env: { TMPDIR: '/var/tmp', CODEX_HOME: '/' } };
    const issues = issuesOf({ agent, tasks: [{ id: 'a' }] });
    expect(issues.map((issue) => issue.path)).toEqual(['agent.env.TMPDIR', 'agent.env.CODEX_HOME']);
    expect(issues[0]!.message).toContain('a confined task gets its own private /tmp (TMPDIR=/tmp)');
    expect(issues[1]!.message).toBe(
      "the CLI's config folder is writable to the task, so it must not be / : that would make the whole filesystem writable",
    );
    expect(() => load({ agent, sandbox: 'none', tasks: [{ id: 'a' }] })).not.toThrow();
  });

  it('refuses a workdir that would make the machine or the home writable, where the tasks run', () => {
    const board = { name: 'trust', agent: 'make', tasks: [{ id: 'a' }] };
    const atRoot = loaderIssues(() =>
      normaliseBoard({ ...board, workdir: '/' }, { source: 'r', baseDir: '/', checkWorkdir: true }),
    );
    expect(atRoot).toEqual([
      {
        path: 'workdir',
        message:
          'confined tasks write in the workdir, which must not be / : that would make the whole filesystem writable',
      },
    ]);
    const atHome = loaderIssues(() =>
      normaliseBoard(board, { source: 'r', baseDir: os.homedir(), checkWorkdir: true }),
    );
    expect(atHome[0]!.message).toContain('(it defaults to the board file’s folder: set workdir)');
    // Unconfined, the workdir is the user's business.
    expect(() =>
      normaliseBoard({ ...board, sandbox: 'none', workdir: '/' }, { source: 'r', baseDir: '/', checkWorkdir: true }),
    ).not.toThrow();
  });

  it('confines a reduce command like any task', () => {
    const board = load({
      agent: 'make',
      network: false,
      tasks: [{ id: 'a' }, { id: 'r', dependsOn: ['a'], aggregate: { reduce: 'jq -s .' } }],
    });
    expect(board.tasks[1]!.agent).toEqual({
      kind: 'shell',
      command: 'jq -s .',
      env: {},
      sandbox: 'worktree',
      network: false,
    });
  });
});
