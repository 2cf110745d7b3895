import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoardFile, normaliseBoard } from '../../src/board/load.js';
import { DEFAULTS, type BoardSpec } from '../../src/core/board.js';
import type { Issue } from '../../src/errors.js';
import { InvalidInputError } from '../../src/errors.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/hello/board.yaml', import.meta.url));

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'todone-board-load-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Each board gets its own folder so the default workdir (the file's folder) is unique and exists. */
async function writeBoard(text: string, name = 'board.yaml'): Promise<string> {
  const folder = path.join(dir, `case-${++counter}`);
  await mkdir(folder);
  const file = path.join(folder, name);
  await writeFile(file, text);
  return file;
}

async function issuesOf(promise: Promise<unknown>): Promise<Issue[]> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).issues;
}

async function loadIssues(text: string, name?: string): Promise<Issue[]> {
  return issuesOf(loadBoardFile(await writeBoard(text, name)));
}

function expectIssue(issues: Issue[], path: string, fragment: string): void {
  expect(issues, JSON.stringify(issues, null, 2)).toContainEqual({
    path,
    message: expect.stringContaining(fragment) as string,
  });
}

const TASK = '  - { id: a, agent: "true" }\n';

describe('loadBoardFile: valid boards', () => {
  it('applies every default and returns an absolute workdir', async () => {
    const file = await writeBoard(`name: My Board!\ntasks:\n  - id: a\n    agent: echo hi\n`);
    const board = await loadBoardFile(file);
    expect(board).toEqual({
      id: 'my-board',
      name: 'My Board!',
      workdir: path.dirname(file),
      maxParallel: DEFAULTS.maxParallel,
      policy: 'eager',
      tasks: [
        {
          id: 'a',
          description: '',
          type: 'generic',
          dependsOn: [],
          agent: { kind: 'shell', command: 'echo hi', env: {}, sandbox: 'worktree' },
          estimateMs: DEFAULTS.estimateMs,
          priority: 0,
          retry: { ...DEFAULTS.retry },
          timeoutMs: DEFAULTS.timeoutMs,
          heartbeatTimeoutMs: DEFAULTS.heartbeatTimeoutMs,
          validate: [],
        },
      ],
      // What a task added while it runs takes from the board: here, nothing but where paths start.
      defaults: { baseDir: path.dirname(file), git: false },
    });
    expect(path.isAbsolute(board.workdir)).toBe(true);
  });

  it('resolves a relative workdir against the file, inherits board defaults field by field', async () => {
    const file = await writeBoard(
      [
        'name: full',
        'id: custom.id',
        'maxParallel: 2',
        'policy: waves',
        'workdir: ..',
        'agent: make',
        'timeout: 5m',
        'heartbeatTimeout: 10',
        'retry: { maxAttempts: 5, initialInterval: 2s }',
        'tasks:',
        '  - id: a',
        '    type: build',
        '    estimate: 1h30m',
        '    priority: 3',
        '    retry: { backoffCoefficient: 1.5, maxInterval: 10s }',
        '  - id: b',
        '    dependsOn: a',
        '    agent: { kind: shell, command: [npm, test], env: { CI: true, N: 1 } }',
        '    timeout: 500ms',
        '',
      ].join('\n'),
    );
    const board = await loadBoardFile(file);
    expect(board).toMatchObject({
      id: 'custom.id',
      maxParallel: 2,
      policy: 'waves',
      workdir: path.dirname(path.dirname(file)),
    });
    const [a, b] = board.tasks;
    expect(a).toMatchObject({
      type: 'build',
      agent: { kind: 'shell', command: 'make', env: {} },
      estimateMs: 5_400_000,
      priority: 3,
      retry: { maxAttempts: 5, initialIntervalMs: 2_000, backoffCoefficient: 1.5, maxIntervalMs: 10_000 },
      timeoutMs: 300_000,
      heartbeatTimeoutMs: 10_000,
    });
    expect(b).toMatchObject({
      dependsOn: ['a'],
      agent: { kind: 'shell', command: ['npm', 'test'], env: { CI: 'true', N: '1' } },
      retry: { maxAttempts: 5, initialIntervalMs: 2_000, backoffCoefficient: 2, maxIntervalMs: 60_000 },
      timeoutMs: 500,
    });
  });

  it('lets options override the file', async () => {
    const file = await writeBoard(`name: x\nmaxParallel: 2\npolicy: eager\ntasks:\n${TASK}`);
    expect(await loadBoardFile(file, { policy: 'waves', maxParallel: 7 })).toMatchObject({
      policy: 'waves',
      maxParallel: 7,
    });
  });

  it('reads JSON and YAML to the same board', async () => {
    const raw = {
      name: 'same',
      agent: 'echo default',
      tasks: [
        { id: 'a', estimate: 2 },
        { id: 'b', dependsOn: ['a'], agent: { kind: 'shell', command: ['ls', '-l'] }, retry: { maxAttempts: 1 } },
      ],
    };
    const json = await loadBoardFile(await writeBoard(JSON.stringify(raw, null, 2), 'board.json'));
    const yaml = await loadBoardFile(
      await writeBoard(
        `name: same\nagent: echo default\ntasks:\n  - id: a\n    estimate: 2\n  - id: b\n    dependsOn: [a]\n    agent:\n      kind: shell\n      command: [ls, -l]\n    retry:\n      maxAttempts: 1\n`,
      ),
    );
    // Each file is in its own folder: where their paths start is all that differs.
    const placeless = (board: BoardSpec) => ({ ...board, workdir: '', defaults: { ...board.defaults!, baseDir: '' } });
    expect(placeless(json)).toEqual(placeless(yaml));
    expect(json.tasks[0]!.estimateMs).toBe(2_000);
  });

  it('shares settings through anchors kept in x- fields', async () => {
    const file = await writeBoard(
      [
        'name: anchors',
        'x-shell: &shell { kind: shell, env: { CI: "1" } }',
        'tasks:',
        '  - id: a',
        '    agent: { <<: *shell, command: make }',
        '',
      ].join('\n'),
    );
    const board = await loadBoardFile(file);
    expect(board.tasks[0]!.agent).toEqual({ kind: 'shell', command: 'make', env: { CI: '1' }, sandbox: 'worktree' });
  });

  it('finds board.yaml when given its folder', async () => {
    const file = await writeBoard(`name: folder\ntasks:\n${TASK}`);
    expect((await loadBoardFile(path.dirname(file))).id).toBe('folder');
  });

  it('loads examples/hello/board.yaml', async () => {
    const board = await loadBoardFile(EXAMPLE);
    expect(board.id).toBe('hello-todone');
    expect(board.workdir).toBe(path.dirname(EXAMPLE));
    expect(board.tasks.map((t) => t.id)).toEqual(['setup', 'lint', 'unit-tests', 'publish', 'docs', 'proofread']);
    expect(new Set(board.tasks.map((t) => t.type)).size).toBeGreaterThanOrEqual(5);
    expect(board.tasks.every((t) => t.estimateMs > 0 && t.estimateMs <= 2_000)).toBe(true);
  });
});

describe('loadBoardFile: bad input', () => {
  it('reports a missing file', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const issues = await issuesOf(loadBoardFile(missing));
    expect(issues).toEqual([{ path: '', message: `file not found: ${missing}` }]);
  });

  it('reports malformed YAML with line and column', async () => {
    const file = await writeBoard(`name: x\ntasks:\n  - id: a\n    agent: echo a: b\n`);
    const issues = await issuesOf(loadBoardFile(file));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(`${file}:4:12`);
    expect(issues[0]!.message).toContain('Nested mappings are not allowed');
  });

  it('reports malformed JSON with line and column', async () => {
    const file = await writeBoard(
      `{\n  "name": "x",\n  "tasks": [\n    { "id": "a", "agent": oops }\n  ]\n}\n`,
      'board.json',
    );
    const issues = await issuesOf(loadBoardFile(file));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(`${file}:4:27`);
    expect(issues[0]!.message).toMatch(/^Unexpected token/);
  });

  it('reports truncated JSON at its end', async () => {
    const file = await writeBoard(`{\n  "name": "x",\n  "tasks": [\n`, 'board.json');
    const issues = await issuesOf(loadBoardFile(file));
    expect(issues).toEqual([{ path: `${file}:4:1`, message: 'Unexpected end of JSON input' }]);
  });

  it('rejects more than one YAML document', async () => {
    const file = await writeBoard(`name: x\ntasks: []\n---\nname: y\n`);
    expect(await issuesOf(loadBoardFile(file))).toEqual([
      { path: `${file}:3:1`, message: expect.stringContaining('one YAML document') as string },
    ]);
  });

  it('rejects an empty board', async () => {
    expectIssue(await loadIssues(`name: x\ntasks: []\n`), 'tasks', 'must contain at least one task');
  });

  it('rejects a file that is not a board', async () => {
    expectIssue(await loadIssues(``), '', 'expected a board');
    expectIssue(await loadIssues(`- a\n- b\n`), '', 'expected a board');
  });

  it('rejects duplicate ids', async () => {
    const issues = await loadIssues(`name: x\ntasks:\n${TASK}  - { id: b, agent: "true" }\n${TASK}`);
    expectIssue(issues, 'tasks[2].id', 'duplicate id "a" (first used at tasks[0])');
  });

  it('rejects unknown dependencies, with a suggestion', async () => {
    const issues = await loadIssues(
      `name: x\ntasks:\n  - { id: build, agent: "true" }\n  - { id: b, agent: "true", dependsOn: [biuld] }\n`,
    );
    expectIssue(issues, 'tasks[1].dependsOn[0]', 'unknown task "biuld" (did you mean "build"?)');
  });

  it('rejects a self dependency', async () => {
    const issues = await loadIssues(`name: x\ntasks:\n${TASK}  - { id: b, agent: "true", dependsOn: [a, b] }\n`);
    expectIssue(issues, 'tasks[1].dependsOn[1]', 'task "b" depends on itself');
  });

  it('rejects a cycle and prints it', async () => {
    const issues = await loadIssues(
      `name: x\nagent: "true"\ntasks:\n  - { id: a, dependsOn: [c] }\n  - { id: b, dependsOn: [a] }\n  - { id: c, dependsOn: [b] }\n`,
    );
    const cycle = issues.find((i) => i.path === 'tasks');
    expect(cycle?.message).toMatch(/^dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
  });

  it.each([
    ['a b', "use letters, digits, '.', '_' and '-' (must start with a letter or digit)"],
    ['a/b', "use letters, digits, '.', '_' and '-'"],
    ['-a', 'must start with a letter or digit'],
    ['.hidden', 'must start with a letter or digit'],
    ['a..b', 'must not contain ".."'],
    ['main.lock', 'must not end with "." or ".lock"'],
    ['x'.repeat(101), 'at most 100 characters'],
  ])('rejects the unsafe id %j', async (id, fragment) => {
    const issues = await loadIssues(`name: x\ntasks:\n  - { id: ${JSON.stringify(id)}, agent: "true" }\n`);
    expectIssue(issues, 'tasks[0].id', `${JSON.stringify(id)} is not a safe id: `);
    expectIssue(issues, 'tasks[0].id', fragment);
  });

  it('rejects an unsafe board id and a name no id can be derived from', async () => {
    expectIssue(await loadIssues(`name: x\nid: ../etc\ntasks:\n${TASK}`), 'id', '"../etc" is not a safe id');
    expectIssue(await loadIssues(`name: "!!!"\ntasks:\n${TASK}`), 'name', 'cannot derive a board id');
  });

  it('reports unknown fields with a suggestion', async () => {
    const issues = await loadIssues(
      `name: x\nmaxparallel: 2\ntasks:\n${TASK}${TASK.replace('a', 'b')}  - { id: c, agent: "true", dependson: [a] }\n  - { id: d, agent: { kind: shell, comand: ls } }\n`,
    );
    expectIssue(issues, 'maxparallel', 'unknown field (did you mean "maxParallel"?)');
    expectIssue(issues, 'tasks[2].dependson', 'unknown field (did you mean "dependsOn"?)');
    expectIssue(issues, 'tasks[3].agent.comand', 'unknown field (did you mean "command"?)');
  });

  it('lists the known fields when nothing is close', async () => {
    const issues = await loadIssues(`name: x\ntasks:\n  - { id: a, agent: "true", zzzzzz: 1 }\n`);
    expectIssue(issues, 'tasks[0].zzzzzz', 'unknown field (expected one of: id, description, type, dependsOn');
  });

  it('rejects bad durations plainly', async () => {
    const issues = await loadIssues(
      `name: x\ntimeout: 0\ntasks:\n  - { id: a, agent: "true", estimate: 5 minutes, heartbeatTimeout: -1 }\n`,
    );
    expectIssue(
      issues,
      'tasks[0].estimate',
      'expected a duration (a number of seconds or a string like "500ms", "30s", "5m", "1h30m"), got "5 minutes"',
    );
    expectIssue(issues, 'tasks[0].heartbeatTimeout', 'expected a duration above zero');
    expectIssue(issues, 'timeout', 'expected a duration above zero');
  });

  it('names the expected type and the value given', async () => {
    const issues = await loadIssues(
      `name: x\nmaxParallel: four\npolicy: fast\ntasks:\n  - { id: a, agent: "true", type: tests, priority: high, retry: { maxAttempts: 0, backoffCoefficient: 0.5 } }\n`,
    );
    expectIssue(issues, 'maxParallel', 'expected a positive integer, got "four"');
    expectIssue(issues, 'policy', 'expected one of "eager", "waves", got "fast"');
    expectIssue(issues, 'tasks[0].type', 'got "tests" (did you mean "test"?)');
    expectIssue(issues, 'tasks[0].priority', 'expected a number, got "high"');
    expectIssue(issues, 'tasks[0].retry.maxAttempts', 'expected a whole number >= 1, got 0');
    expectIssue(issues, 'tasks[0].retry.backoffCoefficient', 'expected a number >= 1, got 0.5');
  });

  it('requires a name, an id per task and a task list', async () => {
    expectIssue(await loadIssues(`tasks:\n${TASK}`), 'name', 'required: expected a non-empty string');
    expectIssue(await loadIssues(`name: x\ntasks:\n  - { agent: "true" }\n`), 'tasks[0].id', 'required');
    expectIssue(await loadIssues(`name: x\n`), 'tasks', 'required: expected a list of tasks');
  });

  it('rejects bad agents', async () => {
    const issues = await loadIssues(
      `name: x\ntasks:\n  - { id: a, agent: 5 }\n  - { id: b, agent: { kind: claude, command: x } }\n  - { id: c, agent: { kind: shell, command: [] } }\n  - { id: d, agent: "  " }\n`,
    );
    expectIssue(issues, 'tasks[0].agent', 'expected a shell command string, or a mapping with a kind');
    expectIssue(issues, 'tasks[1].agent.command', 'unknown field: this agent kind builds its own command');
    expectIssue(issues, 'tasks[2].agent.command', 'expected a non-empty command');
    expectIssue(issues, 'tasks[3].agent.command', 'expected a non-empty command');
  });

  it('requires an agent when the board has no default', async () => {
    const issues = await loadIssues(`name: x\ntasks:\n  - id: a\n`);
    expectIssue(issues, 'tasks[0].agent', 'no agent');
  });

  it('rejects a retry maxInterval shorter than initialInterval', async () => {
    const issues = await loadIssues(
      `name: x\ntasks:\n  - { id: a, agent: "true", retry: { initialInterval: 10s, maxInterval: 2s } }\n`,
    );
    expectIssue(
      issues,
      'tasks[0].retry.maxInterval',
      'maxInterval (2.00s) must not be shorter than initialInterval (10.0s)',
    );
  });

  it('rejects a workdir that does not exist', async () => {
    const issues = await loadIssues(`name: x\nworkdir: ./missing\ntasks:\n${TASK}`);
    expectIssue(issues, 'workdir', 'workdir not found: ');
  });

  it('rejects bad options', async () => {
    const file = await writeBoard(`name: x\ntasks:\n${TASK}`);
    const issues = await issuesOf(loadBoardFile(file, { maxParallel: 0, policy: 'fast' as 'eager' }));
    expectIssue(issues, 'maxParallel', 'expected a positive integer, got 0 (from the options)');
    expectIssue(issues, 'policy', 'got "fast" (from the options)');
  });

  it('collects every problem at once, in file order, with line numbers', async () => {
    const issues = await loadIssues(
      [
        'name: x',
        'polcy: eager',
        'tasks:',
        '  - id: a b',
        '    agent: "true"',
        '  - id: b',
        '    agent: "true"',
        '    dependsOn: [b, ghost]',
        '    timeout: soon',
        '',
      ].join('\n'),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'polcy',
      'tasks[0].id',
      'tasks[1].dependsOn[0]',
      'tasks[1].dependsOn[1]',
      'tasks[1].timeout',
    ]);
    expect(issues.map((i) => /\(line (\d+)\)$/.exec(i.message)?.[1])).toEqual(['2', '4', '8', '8', '9']);
  });
});

describe('normaliseBoard', () => {
  it('validates an in-memory board against baseDir', () => {
    const board = normaliseBoard(
      { name: 'mem', workdir: 'repo', tasks: [{ id: 'a', agent: 'true', timeout: 30 }] },
      { source: 'request', baseDir: '/srv/boards' },
    );
    expect(board.workdir).toBe(path.resolve('/srv/boards/repo'));
    expect(board.tasks[0]!.timeoutMs).toBe(30_000);
  });

  it('throws InvalidInputError named after the source, without line numbers', () => {
    let caught: unknown;
    try {
      normaliseBoard(
        { name: 'mem', tasks: [{ id: 'a', agent: 'true', dependsOn: ['z'] }] },
        { source: 'request', baseDir: '/' },
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const error = caught as InvalidInputError;
    expect(error.source).toBe('request');
    expect(error.issues).toEqual([{ path: 'tasks[0].dependsOn[0]', message: 'unknown task "z" (did you mean "a"?)' }]);
    expect(error.exitCode).toBe(2);
  });
});

describe('agents, goal and validation', () => {
  it('resolves each task agent (task, then agents[type], then the board default) and orders checks', async () => {
    const file = await writeBoard(
      [
        'name: agents',
        'goal: "  Ship the parser.  "',
        'agent: { kind: claude, model: sonnet, args: [--allowedTools, Bash], env: { MAX_THINKING: 1 } }',
        'agents:',
        '  test: { kind: codex, model: gpt-5-codex }',
        '  document: { kind: gemini }',
        'validators:',
        '  build: [npm run build]',
        '  test: npm test',
        'tasks:',
        '  - id: build',
        '    type: build',
        '    validate: [make lint, { run: make docs, required: false }, { run: make check, required: true }]',
        '  - { id: test, type: test }',
        '  - { id: docs, type: document, agent: { kind: aider, bin: ./tools/aider, model: gpt-4o } }',
        '  - { id: custom, agent: { kind: custom, command: [my-agent, --prompt-file, "{promptFile}", "--in={worktree}"] } }',
        '  - { id: plain, agent: make all }',
        '',
      ].join('\n'),
    );
    const board = await loadBoardFile(file);
    expect(board.goal).toBe('Ship the parser.');
    const byId = Object.fromEntries(board.tasks.map((t) => [t.id, t]));
    expect(byId.build).toMatchObject({
      agent: { kind: 'claude', model: 'sonnet', args: ['--allowedTools', 'Bash'], env: { MAX_THINKING: '1' } },
      validate: [
        { run: 'npm run build', required: true },
        { run: 'make lint', required: true },
        { run: 'make docs', required: false },
        { run: 'make check', required: true },
      ],
    });
    expect(byId.test).toMatchObject({
      agent: { kind: 'codex', model: 'gpt-5-codex', args: [], env: {} },
      validate: [{ run: 'npm test', required: true }],
    });
    expect(byId.docs!.agent).toEqual({
      kind: 'aider',
      model: 'gpt-4o',
      args: [],
      env: {},
      bin: path.join(path.dirname(file), 'tools/aider'),
      sandbox: 'worktree',
    });
    expect(byId.custom!.agent).toEqual({
      kind: 'custom',
      command: ['my-agent', '--prompt-file', '{promptFile}', '--in={worktree}'],
      env: {},
      sandbox: 'worktree',
    });
    expect(byId.plain).toMatchObject({ agent: { kind: 'shell', command: 'make all', env: {} }, validate: [] });
  });

  it('accepts a board with only an agents map, and still requires an agent for unmapped types', async () => {
    const issues = await loadIssues(
      `name: x\nagents: { build: { kind: claude } }\ntasks:\n  - { id: a, type: build }\n  - { id: b }\n`,
    );
    expect(issues.map((i) => i.path)).toEqual(['tasks[1].agent']);
    expectIssue(issues, 'tasks[1].agent', 'map its type under agents');
  });

  it('leaves goal out when the board has none and keeps a bare CLI agent minimal', () => {
    const board = normaliseBoard(
      { name: 'mem', agent: { kind: 'gemini' }, tasks: [{ id: 'a' }] },
      { source: 'request', baseDir: '/' },
    );
    expect(board).not.toHaveProperty('goal');
    expect(board.tasks[0]!.agent).toEqual({ kind: 'gemini', args: [], env: {}, sandbox: 'worktree' });
  });

  it('rejects bad agent kinds, fields and templates with suggestions', async () => {
    const issues = await loadIssues(
      [
        'name: x',
        'tasks:',
        '  - { id: a, agent: { kind: cluade } }',
        '  - { id: b, agent: { model: x } }',
        '  - { id: c, agent: { kind: claude, modle: opus } }',
        '  - { id: d, agent: { kind: codex, args: --full-auto } }',
        '  - { id: e, agent: { kind: custom, command: [run, "{promt}", "{taskId}"] } }',
        '  - { id: f, agent: { kind: custom, command: [] } }',
        '  - { id: g, agent: { kind: gemini, bin: "" } }',
        '',
      ].join('\n'),
    );
    expectIssue(
      issues,
      'tasks[0].agent.kind',
      'expected one of "shell", "claude", "codex", "gemini", "aider", "custom", got "cluade" (did you mean "claude"?)',
    );
    expectIssue(issues, 'tasks[1].agent.kind', 'required: expected one of "shell"');
    expectIssue(issues, 'tasks[2].agent.modle', 'unknown field (did you mean "model"?)');
    expectIssue(issues, 'tasks[3].agent.args', 'expected a list of extra arguments (strings), got "--full-auto"');
    expectIssue(issues, 'tasks[4].agent.command[1]', 'unknown placeholder {promt} (did you mean "prompt"?)');
    expectIssue(issues, 'tasks[5].agent.command', 'expected a non-empty argv template');
    expectIssue(issues, 'tasks[6].agent.bin', 'expected a non-empty string');
    expect(issues.some((i) => i.path.startsWith('tasks[4].agent.command[2]'))).toBe(false);
  });

  it('rejects bad agents maps, validators and validate entries', async () => {
    const issues = await loadIssues(
      [
        'name: x',
        'goal: 5',
        'agent: "true"',
        'agents: { tests: { kind: codex } }',
        'validators: { build: [7] }',
        'tasks:',
        '  - { id: a, validate: [{ run: make, requird: false }] }',
        '  - { id: b, validate: ["  "] }',
        '  - { id: c, validate: [{ required: false }] }',
        '',
      ].join('\n'),
    );
    expectIssue(issues, 'goal', 'expected a string, got 5');
    expectIssue(issues, 'agents.tests', 'unknown field (did you mean "test"?)');
    expectIssue(
      issues,
      'validators.build[0]',
      'expected a command string, or a mapping { run: "...", required: false }, got 7',
    );
    expectIssue(issues, 'tasks[0].validate[0].requird', 'unknown field (did you mean "required"?)');
    expectIssue(issues, 'tasks[1].validate[0].run', 'expected a non-empty shell command string, got "  "');
    expectIssue(issues, 'tasks[2].validate[0].run', 'required: expected a shell command string');
  });
});

describe('budgets and git settings', () => {
  it('reads board and task budgets, defaulting onExhausted to finish', async () => {
    const file = await writeBoard(
      `name: x\nbudget: { usd: 5, tokens: 100000 }\ntasks:\n  - { id: a, agent: "true", budget: { usd: 1 } }\n`,
    );
    const board = await loadBoardFile(file);
    expect(board.budget).toEqual({ usd: 5, tokens: 100000, onExhausted: 'finish' });
    expect(board.tasks[0]!.budget).toEqual({ usd: 1 });
  });

  it('rejects bad budgets with their paths', async () => {
    const issues = await loadIssues(
      `name: x\nbudget: { usd: -1, onExhausted: stop, dollars: 3 }\ntasks:\n  - { id: a, agent: "true", budget: { tokens: 1.5 } }\n`,
    );
    expectIssue(issues, 'budget.usd', 'expected a number >= 0');
    expectIssue(issues, 'budget.onExhausted', 'expected one of "finish", "cancel"');
    expectIssue(issues, 'budget.dollars', 'unknown field');
    expectIssue(issues, 'tasks[0].budget.tokens', 'expected a number >= 0');
  });

  it('reserves the task id "integration" on boards with a repo, and keeps worktrees outside it', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'todone-repo-'));
    await mkdir(path.join(repo, '.git'));
    const issues = await loadIssues(
      `name: x\nrepo: ${repo}\nworktrees: { root: ${repo}/trees }\ntasks:\n  - { id: integration, agent: "true" }\n`,
    );
    expectIssue(issues, 'tasks[0].id', '"integration" is reserved');
    expectIssue(issues, 'worktrees.root', 'must be outside the repository');
    await rm(repo, { recursive: true, force: true });
  });

  it('rejects at load time the git settings the git activities would refuse inside the workflow', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'todone-repo-'));
    await mkdir(path.join(repo, '.git'));
    const issues = await loadIssues(
      `name: x\nrepo: ${repo}\nbase: "-x"\nworktrees:\n  copy: ["../x", ".git/hooks"]\n  link: ["/abs"]\n  keep: ["", " "]\n` +
        `integration: { author: { name: " ", email: "<a@b.c>" } }\ntasks:\n  - { id: a, agent: "true" }\n`,
    );
    expectIssue(issues, 'base', 'must not start with "-", got "-x" (line 3)');
    expectIssue(issues, 'worktrees.copy[0]', 'must stay inside the repository (no ".." segments), got "../x"');
    expectIssue(issues, 'worktrees.copy[1]', "must not name git's own data (.git)");
    expectIssue(issues, 'worktrees.link[0]', 'must be relative to the repository, not an absolute path, got "/abs"');
    expectIssue(issues, 'worktrees.keep[0]', 'expected a non-empty string, got ""');
    expectIssue(issues, 'worktrees.keep[1]', 'must not be blank');
    expectIssue(issues, 'integration.author.name', 'must not be blank');
    expectIssue(issues, 'integration.author.email', 'must not contain <, > or a newline');
    expectIssue(
      await loadIssues(`name: x\nrepo: ${repo}\nbase: a..b\ntasks:\n${TASK}`),
      'base',
      'must be a valid branch name',
    );
    expectIssue(
      await loadIssues(`name: x\nrepo: ${repo}\nbase: refs/heads/main\ntasks:\n${TASK}`),
      'base',
      'must be a local branch name (without "refs/")',
    );
    await rm(repo, { recursive: true, force: true });
  });
});

describe('best of N', () => {
  it('reads attempts as a count or a mapping, and needs a repo', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'todone-repo-'));
    await mkdir(path.join(repo, '.git'));
    const file = await writeBoard(
      `name: x\nrepo: ${repo}\nagent: "true"\ntasks:\n  - { id: a, attempts: 3 }\n  - { id: b, attempts: { agents: ["echo 1", { kind: claude }], pick: vote } }\n`,
    );
    const board = await loadBoardFile(file);
    expect(board.tasks[0]!.candidates).toEqual({ count: 3, agents: [], pick: 'first' });
    expect(board.tasks[1]!.candidates).toMatchObject({
      count: 2,
      pick: 'vote',
      agents: [{ kind: 'shell' }, { kind: 'claude' }],
    });
    await rm(repo, { recursive: true, force: true });

    expectIssue(
      await loadIssues(`name: x\nagent: "true"\ntasks:\n  - { id: a, attempts: 2 }\n`),
      'tasks[0].attempts',
      'the board needs a repo',
    );
    const issues = await loadIssues(
      `name: x\nagent: "true"\ntasks:\n  - { id: a }\n  - { id: b, attempts: 1 }\n  - { id: c, attempts: { pick: best } }\n`,
    );
    expectIssue(issues, 'tasks[1].attempts.count', 'expected a whole number >= 2');
    expectIssue(issues, 'tasks[2].attempts.pick', 'expected one of "first", "smallest", "vote"');
  });
});
