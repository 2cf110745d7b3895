/**
 * The loader's limits and text rules (src/core/limits.ts, src/board/text-check.ts): each refused
 * past its number with the field's path, whatever the size of the hostile input, and quickly; a
 * refusal lists at most 100 problems and counts the rest. Files that are not boards (a device, a
 * pipe, a file past 8 MiB) are refused before they are read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoardFile, normaliseBoard } from '../../src/board/load.js';
import { duplicateJsonKeys, jsonOffsets } from '../../src/board/json-scan.js';
import { LIMITS } from '../../src/core/limits.js';
import { InvalidInputError, type Issue } from '../../src/errors.js';
import { loaderIssues } from '../support/board-issues.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'todone-board-limits-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const normalise = (raw: unknown) => () => normaliseBoard(raw, { source: 'board', baseDir: dir });
const board = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'b',
  agent: 'true',
  tasks,
  ...extra,
});
const issuesOf = (raw: unknown): Issue[] => loaderIssues(normalise(raw));

async function fileError(name: string, text: string | Buffer): Promise<InvalidInputError> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  const error: unknown = await loadBoardFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe('sizes', () => {
  it('refuses a description and a goal past 65,536 characters, saying how long they are', () => {
    const long = 'x'.repeat(LIMITS.text + 1);
    expect(issuesOf(board([{ id: 'a', description: long }], { goal: long }))).toEqual(
      expect.arrayContaining([
        { path: 'goal', message: 'at most 65,536 characters (it has 65,537)' },
        { path: 'tasks[0].description', message: 'at most 65,536 characters (it has 65,537)' },
      ]),
    );
    expect(() => normalise(board([{ id: 'a', description: 'x'.repeat(LIMITS.text) }]))()).not.toThrow();
  });

  it('refuses a command, an argv entry, a check and an env value past 32,768 characters', () => {
    const long = 'y'.repeat(LIMITS.command + 1);
    const issues = issuesOf(
      board([
        { id: 'a', agent: long },
        { id: 'b', agent: { kind: 'shell', command: ['sh', long] } },
        { id: 'c', validate: [long] },
        { id: 'd', agent: { kind: 'shell', command: 'true', env: { BIG: long } } },
        { id: 'e', agent: { kind: 'custom', command: ['tool', long] } },
      ]),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'tasks[0].agent.command',
        'tasks[1].agent.command',
        'tasks[2].validate[0].run',
        'tasks[3].agent.env.BIG',
        'tasks[4].agent.command[1]',
      ]),
    );
    for (const issue of issues) expect(issue.message).toMatch(/at most 32,768 characters/);
  });

  it('refuses more than 10,000 tasks and more than 1,000 dependencies of one task', () => {
    const tasks = Array.from({ length: LIMITS.tasks + 1 }, (_, i) => ({ id: `t${i}` }));
    expect(issuesOf(board(tasks))).toContainEqual({ path: 'tasks', message: 'at most 10,000 tasks (it has 10,001)' });
    const many = Array.from({ length: 1_500 }, (_, i) => `t${i}`);
    const fanIn = board([...many.map((id) => ({ id })), { id: 'all', dependsOn: many }]);
    expect(issuesOf(fanIn)).toContainEqual({
      path: 'tasks[1500].dependsOn',
      message: 'at most 1,000 dependencies (it has 1,500)',
    });
  });

  it('refuses a dependency listed twice, naming where it was first', () => {
    expect(issuesOf(board([{ id: 'a' }, { id: 'b', dependsOn: ['a', 'a'] }]))).toEqual([
      { path: 'tasks[1].dependsOn[1]', message: '"a" is listed twice (first at dependsOn[0])' },
    ]);
  });

  it('lists 100 problems of 100,000 unknown dependencies and counts the rest, in well under a second', () => {
    const tasks = Array.from({ length: 100 }, (_, i) => ({
      id: `t${i}`,
      dependsOn: Array.from({ length: 1_000 }, (_, j) => `missing-${i}-${j}`),
    }));
    const started = performance.now();
    let error: unknown;
    try {
      normalise(board(tasks))();
    } catch (e) {
      error = e;
    }
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(InvalidInputError);
    const invalid = error as InvalidInputError;
    expect(invalid.issues).toHaveLength(LIMITS.reportedIssues);
    expect(invalid.more).toBe(100_000 - LIMITS.reportedIssues);
    expect(invalid.message).toMatch(/^board is invalid \(100,000 problems\):/);
    expect(invalid.message).toMatch(/… and 99,900 more \(fix these first\)$/);
    expect(invalid.message.split('\n')).toHaveLength(LIMITS.reportedIssues + 2);
    expect(elapsed, 'checking 100,000 unknown dependencies').toBeLessThan(3_000);
  });

  it('quotes a 5 MB id and a 5 MB field name in a few dozen characters', () => {
    const huge = 'z'.repeat(5 * 1024 * 1024);
    const issues = issuesOf(board([{ id: huge, [huge]: 1 }]));
    for (const issue of issues) expect(issue.path.length + issue.message.length).toBeLessThan(1_000);
  });
});

describe('control characters', () => {
  it('refuses NUL and escape characters in names, ids, commands, descriptions and keys, naming the field', () => {
    const issues = issuesOf(
      board(
        [
          { id: 'a', agent: 'echo \u0000' },
          { id: 'b', description: 'look \u001b]8;;http://evil\u0007here' },
          { id: 'c', validate: ['npm test\u0000'] },
          { id: 'd', agent: { kind: 'shell', command: 'true', env: { ['X\u001b']: 'v' } } },
          { id: 'e\u0000' },
        ],
        { name: 'bad\u001b[2Jname' },
      ),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'name', message: expect.stringContaining('must not contain control characters (U+001B') as string },
        { path: 'tasks[0].agent', message: expect.stringContaining('U+0000') as string },
        { path: 'tasks[1].description', message: expect.stringContaining('U+001B at character 6') as string },
        { path: 'tasks[2].validate[0]', message: expect.stringContaining('U+0000') as string },
        {
          path: 'tasks[3].agent.env["X\\u001b"]',
          message: expect.stringContaining('field name must not contain') as string,
        },
        // The id rule names it first; a field is reported once.
        {
          path: 'tasks[4].id',
          message:
            "\"e\\u0000\" is not a safe id: use letters, digits, '.', '_' and '-' (must start with a letter or digit)",
        },
      ]),
    );
  });

  it('keeps tabs and line breaks in commands and descriptions, and refuses a name of two lines', () => {
    expect(() =>
      normalise(board([{ id: 'a', description: 'one\n\ttwo\r\n', agent: 'echo a\n\techo b' }]))(),
    ).not.toThrow();
    expect(issuesOf(board([{ id: 'a' }], { name: 'two\nlines' }))).toContainEqual({
      path: 'name',
      message: 'must be one line',
    });
  });

  it('leaves the fields the loader ignores alone (x-… and $schema)', () => {
    expect(() => normalise(board([{ id: 'a' }], { 'x-notes': 'bell \u0007' }))()).not.toThrow();
  });

  it('walks a document nested a million lists deep without overflowing the stack', () => {
    let deep: unknown = 'end';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    const issues = issuesOf(board([{ id: 'a', agent: { kind: 'shell', command: 'true', env: { DEEP: deep } } }]));
    expect(issues.map((i) => i.path)).toContain('tasks[0].agent.env.DEEP');
  });
});

describe('board files', () => {
  it('refuses duplicate keys in JSON as YAML does, at their line', async () => {
    const error = await fileError(
      'dup.json',
      '{\n  "name": "b",\n  "agent": "true",\n  "tasks": [{ "id": "a" }],\n  "tasks": []\n}\n',
    );
    expect(error.issues).toEqual([
      {
        path: expect.stringMatching(/dup\.json:5:3$/) as string,
        message: expect.stringMatching(/^tasks: duplicate key/) as string,
      },
    ]);
    const yaml = await fileError('dup.yaml', 'name: b\nagent: "true"\ntasks: [{ id: a }]\ntasks: []\n');
    expect(yaml.issues[0]!.message).toMatch(/unique/);
  });

  it('finds duplicates inside nested objects and lists, with escaped keys', () => {
    expect(duplicateJsonKeys('{"a":[{"x":1,"y":{"z":1,"z":2}},{"x":1,"\\u0078":2}],"b":"\\"a\\""}')).toEqual([
      { at: ['a', 0, 'y', 'z'], offset: 24 },
      { at: ['a', 1, 'x'], offset: 39 },
    ]);
    expect(duplicateJsonKeys('{"a":{"k":1},"b":{"k":1},"s":"{\\"k\\":1,\\"k\\":2}"}')).toEqual([]);
  });

  it('places a path in JSON with one scan, at its key or its item, down to eight levels', () => {
    const text = '{\n  "a": [1, {"b": 2}],\n  "c": {"d": {"e": 1}}\n}';
    const offsetOf = jsonOffsets(text);
    expect(offsetOf(['a'])).toBe(text.indexOf('"a"'));
    expect(offsetOf(['a', 0])).toBe(text.indexOf('1'));
    expect(offsetOf(['a', 1, 'b'])).toBe(text.indexOf('"b"'));
    expect(offsetOf(['c', 'd', 'e'])).toBe(text.indexOf('"e"'));
    expect(offsetOf(['nowhere'])).toBeUndefined();
    const deep = `{"x": ${'['.repeat(20)}1${']'.repeat(20)}}`;
    expect(jsonOffsets(deep)(['x', 0, 0, 0, 0, 0, 0, 0])).toBe(deep.indexOf('[') + 7);
    expect(jsonOffsets(deep)(['x', 0, 0, 0, 0, 0, 0, 0, 0])).toBeUndefined();
  });

  it('refuses a file past 8 MiB before parsing it', async () => {
    const error = await fileError('big.yaml', Buffer.alloc(LIMITS.boardFileBytes + 1, 'a'));
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/at most 8 MiB$/) as string }]);
  });

  it('refuses a device and a pipe instead of reading them forever', async () => {
    for (const device of ['/dev/zero', '/dev/urandom']) {
      const error: unknown = await loadBoardFile(device).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).issues[0]!.message).toMatch(/^not a regular file/);
    }
    const fifo = path.join(dir, 'board.fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const error: unknown = await loadBoardFile(fifo).catch((e: unknown) => e);
    expect((error as InvalidInputError).issues[0]!.message).toMatch(/^not a regular file/);
  });
});
