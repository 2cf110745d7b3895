/**
 * The board's JSON Schema (for editors and for services that check a board before sending it):
 * made from the zod schema, shipped as schema/board.schema.json, printed by `todone schema`.
 * Example boards pass it; the bad boards of board-load.test.ts fail it wherever JSON Schema can
 * say the rule, and the rules it cannot say are listed here as passing it (the loader alone
 * catches them), so docs/CONTRACT.md's list of them stays true.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { boardJsonSchema } from '../../src/board/json-schema.js';
import { normaliseBoard } from '../../src/board/load.js';
import { InvalidInputError } from '../../src/errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const schema = boardJsonSchema();
const validate = new Ajv({ allErrors: true }).compile(schema);

const TASK = { id: 'a', agent: 'true' };

/** Bad boards of board-load.test.ts (as parsed), by the loader test they come from. */
const expressible: [string, unknown][] = [
  ['an empty board', { name: 'x', tasks: [] }],
  ['a file that is not a board (empty)', null],
  ['a file that is not a board (a list)', ['a', 'b']],
  ['unknown fields', { name: 'x', maxparallel: 2, tasks: [TASK] }],
  ['an unknown task field', { name: 'x', tasks: [{ ...TASK, dependson: ['a'] }] }],
  ['an unknown agent field', { name: 'x', tasks: [{ id: 'd', agent: { kind: 'shell', comand: 'ls' } }] }],
  ['a zero timeout', { name: 'x', timeout: 0, tasks: [TASK] }],
  ['a duration in words', { name: 'x', tasks: [{ ...TASK, estimate: '5 minutes' }] }],
  ['a negative duration', { name: 'x', tasks: [{ ...TASK, heartbeatTimeout: -1 }] }],
  ['maxParallel in words', { name: 'x', maxParallel: 'four', tasks: [TASK] }],
  ['an unknown policy', { name: 'x', policy: 'fast', tasks: [TASK] }],
  ['an unknown task type', { name: 'x', tasks: [{ ...TASK, type: 'tests' }] }],
  ['priority in words', { name: 'x', tasks: [{ ...TASK, priority: 'high' }] }],
  ['zero attempts', { name: 'x', tasks: [{ ...TASK, retry: { maxAttempts: 0 } }] }],
  ['a backoff below 1', { name: 'x', tasks: [{ ...TASK, retry: { backoffCoefficient: 0.5 } }] }],
  ['no name', { tasks: [TASK] }],
  ['a task without an id', { name: 'x', tasks: [{ agent: 'true' }] }],
  ['no task list', { name: 'x' }],
  ['an agent that is a number', { name: 'x', tasks: [{ id: 'a', agent: 5 }] }],
  ['a command on a CLI agent', { name: 'x', tasks: [{ id: 'b', agent: { kind: 'claude', command: 'x' } }] }],
  ['an empty argv', { name: 'x', tasks: [{ id: 'c', agent: { kind: 'shell', command: [] } }] }],
  ['a blank agent', { name: 'x', tasks: [{ id: 'd', agent: '  ' }] }],
  ['a misspelt agent kind', { name: 'x', tasks: [{ id: 'a', agent: { kind: 'cluade' } }] }],
  ['an agent without a kind', { name: 'x', tasks: [{ id: 'b', agent: { model: 'x' } }] }],
  ['a misspelt agent field', { name: 'x', tasks: [{ id: 'c', agent: { kind: 'claude', modle: 'opus' } }] }],
  ['args as a string', { name: 'x', tasks: [{ id: 'd', agent: { kind: 'codex', args: '--full-auto' } }] }],
  ['an empty custom template', { name: 'x', tasks: [{ id: 'f', agent: { kind: 'custom', command: [] } }] }],
  ['an empty bin', { name: 'x', tasks: [{ id: 'g', agent: { kind: 'gemini', bin: '' } }] }],
  ['a goal that is a number', { name: 'x', goal: 5, agent: 'true', tasks: [{ id: 'a' }] }],
  [
    'an unknown task type in agents',
    { name: 'x', agent: 'true', agents: { tests: { kind: 'codex' } }, tasks: [{ id: 'a' }] },
  ],
  ['a validator that is a number', { name: 'x', agent: 'true', validators: { build: [7] }, tasks: [{ id: 'a' }] }],
  [
    'a misspelt validate field',
    { name: 'x', agent: 'true', tasks: [{ id: 'a', validate: [{ run: 'make', requird: false }] }] },
  ],
  ['a blank validate command', { name: 'x', agent: 'true', tasks: [{ id: 'b', validate: ['  '] }] }],
  ['a validate entry without run', { name: 'x', agent: 'true', tasks: [{ id: 'c', validate: [{ required: false }] }] }],
  ['a negative budget', { name: 'x', budget: { usd: -1 }, tasks: [TASK] }],
  ['an unknown onExhausted', { name: 'x', budget: { onExhausted: 'stop' }, tasks: [TASK] }],
  ['an unknown budget field', { name: 'x', budget: { dollars: 3 }, tasks: [TASK] }],
  ['fractional tokens', { name: 'x', tasks: [{ ...TASK, budget: { tokens: 1.5 } }] }],
  ['an empty keep pattern', { name: 'x', repo: '/r', worktrees: { keep: [''] }, tasks: [TASK] }],
  ['one candidate', { name: 'x', agent: 'true', tasks: [{ id: 'b', attempts: 1 }] }],
  ['an unknown pick', { name: 'x', agent: 'true', tasks: [{ id: 'c', attempts: { pick: 'best' } }] }],
  ['a capability in capitals', { name: 'x', agent: 'true', tasks: [{ id: 'a', requires: ['GPU'] }] }],
  [
    'an unknown task type in requires',
    { name: 'x', agent: 'true', requires: { deplyo: ['gpu'] }, tasks: [{ id: 'a' }] },
  ],
];

/** Rules between tasks, on the file system, or written as code (src/core/rules.ts): the loader's alone. */
const loaderOnly: [string, unknown][] = [
  ['duplicate ids', { name: 'x', tasks: [TASK, { id: 'b', agent: 'true' }, TASK] }],
  [
    'an unknown dependency',
    {
      name: 'x',
      tasks: [
        { id: 'build', agent: 'true' },
        { id: 'b', agent: 'true', dependsOn: ['biuld'] },
      ],
    },
  ],
  ['a self dependency', { name: 'x', tasks: [TASK, { id: 'b', agent: 'true', dependsOn: ['a', 'b'] }] }],
  [
    'a cycle',
    {
      name: 'x',
      agent: 'true',
      tasks: [
        { id: 'a', dependsOn: ['c'] },
        { id: 'b', dependsOn: ['a'] },
        { id: 'c', dependsOn: ['b'] },
      ],
    },
  ],
  ['an unsafe task id', { name: 'x', tasks: [{ id: 'a b', agent: 'true' }] }],
  ['an unsafe board id', { name: 'x', id: '../etc', tasks: [TASK] }],
  ['a task with no agent and no default', { name: 'x', tasks: [{ id: 'a' }] }],
  [
    'maxInterval below initialInterval',
    { name: 'x', tasks: [{ ...TASK, retry: { initialInterval: '10s', maxInterval: '2s' } }] },
  ],
  [
    'an unknown template placeholder',
    { name: 'x', tasks: [{ id: 'e', agent: { kind: 'custom', command: ['run', '{promt}'] } }] },
  ],
  ['a branch name git refuses', { name: 'x', repo: '/r', base: '-x', tasks: [TASK] }],
  ['a copy path outside the repository', { name: 'x', repo: '/r', worktrees: { copy: ['../x'] }, tasks: [TASK] }],
  ['best of N without a repo', { name: 'x', agent: 'true', tasks: [{ id: 'a', attempts: 2 }] }],
  [
    'more capabilities than a worker offers',
    { name: 'x', agent: 'true', tasks: [{ id: 'a', requires: ['a', 'b', 'c', 'd', 'e', 'f'] }] },
  ],
  ['a loopback allow entry without its port', { name: 'x', network: { allow: ['127.0.0.1'] }, tasks: [TASK] }],
  ['the whole filesystem writable', { name: 'x', writable: ['/'], tasks: [TASK] }],
  ['a writable .git folder', { name: 'x', tasks: [{ ...TASK, writable: ['/srv/r/.git/hooks'] }] }],
  [
    'TMPDIR in a confined agent',
    { name: 'x', agent: { kind: 'shell', command: 'x', env: { TMPDIR: '/t' } }, tasks: [{ id: 'a' }] },
  ],
  ['an allow list without the sandbox', { name: 'x', sandbox: 'none', network: { allow: ['x:1'] }, tasks: [TASK] }],
];

function loaderRejects(document: unknown): boolean {
  try {
    normaliseBoard(document, { source: 'test', baseDir: root });
    return false;
  } catch (error) {
    if (error instanceof InvalidInputError) return true;
    throw error;
  }
}

async function exampleBoards(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...(await exampleBoards(full)));
    else if (/\.(ya?ml|json)$/.test(entry.name) && !/^(package(-lock)?|tsconfig)\.json$/.test(entry.name))
      found.push(full);
  }
  return found;
}

describe('the board JSON Schema', () => {
  it('is what schema/board.schema.json ships (npm run build writes it)', async () => {
    const shipped = JSON.parse(await readFile(path.join(root, 'schema', 'board.schema.json'), 'utf8')) as unknown;
    expect(shipped).toEqual(schema);
  });

  it('accepts every example board, and the shorthands the loader reads', async () => {
    const boards = await exampleBoards(path.join(root, 'examples'));
    expect(boards.length).toBeGreaterThan(1);
    for (const file of boards) {
      const text = await readFile(file, 'utf8');
      const document: unknown = file.endsWith('.json') ? JSON.parse(text) : parse(text);
      expect({ file, valid: validate(document), errors: validate.errors ?? null }).toEqual({
        file,
        valid: true,
        errors: null,
      });
    }
    const shorthands = {
      $schema: '../schema/board.schema.json',
      'x-common': { retry: { maxAttempts: 2 } },
      name: 'Shorthands',
      agent: 'make',
      timeout: '1h30m',
      requires: { deploy: 'prod-creds' },
      tasks: [
        { id: 'a', dependsOn: 'b', validate: 'npm test', estimate: 0, attempts: 3, requires: 'gpu' },
        { id: 'b', agent: ['echo', 'b'].join(' '), timeout: 90 },
      ],
    };
    expect({ valid: validate(shorthands), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
  });

  it.each(expressible)('rejects %s, as the loader does', (_name, document) => {
    expect(loaderRejects(document)).toBe(true);
    expect(validate(document)).toBe(false);
  });

  it.each(loaderOnly)('leaves %s to the loader (JSON Schema cannot say it)', (_name, document) => {
    expect(loaderRejects(document)).toBe(true);
    expect(validate(document)).toBe(true);
  });
});
