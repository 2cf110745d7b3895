/**
 * Tasks added to a running board (the addTasks update's validator and handler): written as in a
 * board file they take the board's defaults exactly as its own tasks did; already normalised they
 * are checked for shape; a path the worker alone could resolve is refused; and the handler builds
 * the very tasks the validator accepted.
 */
import { describe, expect, it } from 'vitest';
import { addedTaskSpecs, readAddedTasks } from '../../src/board/added-tasks.js';
import { normaliseBoard } from '../../src/board/load.js';
import type { BoardSpec, TaskSpec } from '../../src/core/board.js';

const board = (raw: Record<string, unknown>): BoardSpec =>
  normaliseBoard({ name: 'running', ...raw }, { source: 'board', baseDir: '/srv/boards/x' });

const accepted = (spec: BoardSpec, tasks: unknown[]): TaskSpec[] => {
  const reading = readAddedTasks(spec, tasks);
  if ('problems' in reading) throw new Error(JSON.stringify(reading.problems));
  expect(addedTaskSpecs(spec, tasks)).toEqual(reading.tasks);
  return reading.tasks;
};
const refused = (spec: BoardSpec, tasks: unknown) => {
  const reading = readAddedTasks(spec, tasks);
  expect('problems' in reading, JSON.stringify(reading)).toBe(true);
  return 'problems' in reading ? reading.problems : [];
};

describe('tasks added in the board file shape', () => {
  // The board's own fields as written: its defaults.
  const fields = {
    agent: 'make',
    agents: { test: { kind: 'shell', command: 'npm test' } },
    validators: { test: ['npm run lint'] },
    retry: { maxAttempts: 5, initialInterval: '2s' },
    timeout: '10m',
    sandbox: 'none',
  };
  const running = board({ ...fields, tasks: [{ id: 'build' }] });

  it('take the board defaults as its own tasks did: a task the board file held would be identical', () => {
    const [added] = accepted(running, [{ id: 'check', type: 'test', dependsOn: 'build', estimate: '30s' }]);
    const asIfWritten = board({
      ...fields,
      tasks: [{ id: 'build' }, { id: 'check', type: 'test', dependsOn: 'build', estimate: '30s' }],
    });
    expect(added).toEqual(asIfWritten.tasks[1]);
    expect(added).toMatchObject({
      agent: { kind: 'shell', command: 'npm test', sandbox: 'none' },
      validate: [{ run: 'npm run lint', required: true }],
      retry: { maxAttempts: 5, initialIntervalMs: 2_000 },
      timeoutMs: 600_000,
      estimateMs: 30_000,
    });
  });

  it("resolve a relative bin from the board's folder, and refuse ~, which only the worker could resolve", () => {
    const [added] = accepted(running, [{ id: 'ask', agent: { kind: 'claude', bin: '../tools/claude' } }]);
    expect(added!.agent).toMatchObject({ kind: 'claude', bin: '/srv/boards/tools/claude' });
    expect(refused(running, [{ id: 'ask', agent: { kind: 'claude', bin: '~/bin/claude' } }])).toEqual([
      {
        path: 'tasks[0].agent.bin',
        message: 'a path starting with ~ cannot be resolved on a running board: give an absolute path',
      },
    ]);
  });

  it('on a board an earlier version started (no defaults recorded), must name their agent', () => {
    const { defaults: _none, ...older } = running;
    expect(refused(older, [{ id: 'plain' }])).toEqual([
      { path: 'tasks[0].agent', message: expect.stringMatching(/^no agent: /) as string },
    ]);
    expect(accepted(older, [{ id: 'plain', agent: 'true' }])[0]!.agent).toMatchObject({ command: 'true' });
  });

  it('are counted against the board: 10,000 tasks at most', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}` }));
    expect(refused(running, many)).toEqual([
      { path: 'tasks', message: 'the board would have 10,001 tasks: at most 10,000' },
    ]);
  });
});

describe('tasks added already normalised', () => {
  const running = board({ agent: 'true', tasks: [{ id: 'build' }] });
  const spec = running.tasks[0]!;

  it('are taken as they are when their shape is right', () => {
    expect(accepted(running, [{ ...spec, id: 'again', dependsOn: ['build'] }])).toEqual([
      { ...spec, id: 'again', dependsOn: ['build'] },
    ]);
  });

  it('are refused, in the board file words, when a field the workflow reads is missing or of the wrong type', () => {
    const { agent: _agent, ...agentless } = spec;
    const problems = refused(running, [{ ...agentless, id: 'broken', retry: { maxAttempts: 'x' } }]);
    expect(problems.map((p) => p.path)).toContain('tasks[0].estimateMs');
  });
});

describe('added tasks and the sandbox', () => {
  const running = board({
    agent: 'make',
    network: { allow: ['registry.internal:443'] },
    writable: ['~/.cache/tool'],
    passEnv: ['JAVA_HOME'],
    tasks: [{ id: 'build' }],
  });

  it('take the board’s network, writable folders and passed variables, adding their own', () => {
    const [added] = accepted(running, [{ id: 'more', writable: ['/srv/cache'], passEnv: ['GOFLAGS'] }]);
    expect(added!.agent).toMatchObject({
      sandbox: 'worktree',
      network: { allow: ['registry.internal:443'] },
      writable: ['~/.cache/tool', '/srv/cache'],
      passEnv: ['JAVA_HOME', 'GOFLAGS'],
    });
    // Already normalised, as Todone's clients send them: the same shape passes the wire check.
    expect(accepted(running, [added])).toEqual([added]);
  });

  it('refuse an allow entry the worker could not apply and a TMPDIR that would widen the writable set', () => {
    expect(refused(running, [{ id: 'x', network: { allow: ['127.0.0.1'] } }])[0]!.path).toBe(
      'tasks[0].network.allow[0]',
    );
    expect(refused(running, [{ id: 'y', agent: { kind: 'shell', command: 'x', env: { TMPDIR: '/t' } } }])).toEqual([
      { path: 'tasks[0].agent.env.TMPDIR', message: expect.stringContaining('its own private /tmp') as string },
    ]);
  });
});
