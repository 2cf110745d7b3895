/**
 * Hostile board files given to `todone run` (the built CLI, against the suite's server): each is
 * refused with exit 2 and one message naming the field, before any workflow starts, or it runs
 * correctly. Never a native crash, never a stack, never a board left running without a worker,
 * and never more than a screenful of errors however many problems there are.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boardWorkflowId } from '../../workflows/api.js';
import { runCli, type CliResult } from '../support/cli.js';

let dir: string;
let connection: Connection;
let client: Client;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-hostile-'));
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  TODONE_TASK_QUEUE: `hostile-${randomUUID()}`,
});

/** Each board in a folder of its own: the folder is its workdir. */
async function boardFile(name: string, content: string | Buffer): Promise<string> {
  const folder = await fs.mkdtemp(path.join(dir, 'board-'));
  const file = path.join(folder, name);
  await fs.writeFile(file, content);
  return file;
}

async function run(file: string): Promise<CliResult> {
  return runCli(['run', file], { cwd: path.dirname(file), env: env() });
}

/** Refused as bad input: exit 2, one plain message naming the field, a bounded one, and no workflow. */
async function expectRefused(result: CliResult, boardId: string | undefined, ...fragments: string[]): Promise<void> {
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr).not.toMatch(/Aborted|core dumped|async hook/i);
  expect(result.stderr.length, 'a screenful at most').toBeLessThan(20_000);
  if (boardId !== undefined) {
    await expect(client.workflow.getHandle(boardWorkflowId(boardId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  }
}

// eslint-disable-next-line no-control-regex -- any control character in the output is what must not be there
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const id = (what: string) => `hostile-${what}-${randomUUID().slice(0, 8)}`;

describe('hostile boards are refused, naming the field, before anything starts', () => {
  it('a 5 MB description', async () => {
    const board = id('description');
    const file = await boardFile(
      'board.json',
      JSON.stringify({ name: board, agent: 'true', tasks: [{ id: 'a', description: 'd'.repeat(5 * 2 ** 20) }] }),
    );
    await expectRefused(await run(file), board, 'tasks[0].description: at most 65,536 characters (it has 5,242,880)');
  });

  it('a 50 MB goal (past the 8 MiB a board file may hold)', async () => {
    const board = id('goal');
    const file = await boardFile(
      'board.yaml',
      `name: ${board}\nagent: "true"\ngoal: "${'g'.repeat(50 * 2 ** 20)}"\ntasks: [{ id: a }]\n`,
    );
    await expectRefused(await run(file), board, 'the board file is 50.0 MiB: a board file holds at most 8 MiB');
  });

  it('duplicate keys in JSON (the second tasks would silently drop the first)', async () => {
    const board = id('dupkeys');
    const file = await boardFile(
      'board.json',
      `{"name": "${board}", "agent": "true", "tasks": [{"id": "a"}, {"id": "b"}], "tasks": [{"id": "c"}]}`,
    );
    await expectRefused(await run(file), board, 'tasks: duplicate key');
  });

  it('100,000 duplicate entries in one dependsOn', async () => {
    const board = id('dupdeps');
    const file = await boardFile(
      'board.json',
      JSON.stringify({
        name: board,
        agent: 'true',
        tasks: [{ id: 'a' }, { id: 'b', dependsOn: Array.from({ length: 100_000 }, () => 'a') }],
      }),
    );
    const result = await run(file);
    await expectRefused(result, board, 'tasks[1].dependsOn: at most 1,000 dependencies (it has 100,000)');
  });

  it('100,000 unknown dependencies: 100 listed and the rest counted', async () => {
    const board = id('unknown');
    const tasks = Array.from({ length: 100 }, (_, i) => ({
      id: `t${i}`,
      dependsOn: Array.from({ length: 1_000 }, (_, j) => `missing-${i}-${j}`),
    }));
    const file = await boardFile('board.json', JSON.stringify({ name: board, agent: 'true', tasks }));
    const result = await run(file);
    await expectRefused(result, board, '(100,000 problems)', '… and 99,900 more (fix these first)');
  });

  it('10,001 tasks', async () => {
    const board = id('tasks');
    const tasks = Array.from({ length: 10_001 }, (_, i) => ({ id: `t${i}` }));
    const file = await boardFile('board.json', JSON.stringify({ name: board, agent: 'true', tasks }));
    await expectRefused(await run(file), board, 'tasks: at most 10,000 tasks (it has 10,001)');
  });

  it('a NUL byte in a command and in a description', async () => {
    const board = id('nul');
    const file = await boardFile(
      'board.json',
      JSON.stringify({
        name: board,
        tasks: [
          { id: 'a', agent: 'echo \u0000 hi' },
          { id: 'b', agent: 'true', description: 'x\u0000y' },
        ],
      }),
    );
    await expectRefused(
      await run(file),
      board,
      'tasks[0].agent: must not contain control characters (U+0000',
      'tasks[1].description: must not contain control characters (U+0000',
    );
  });

  it('escape sequences in the name and a task id, which the message quotes escaped', async () => {
    const board = id('ansi');
    const file = await boardFile(
      'board.json',
      JSON.stringify({
        id: board,
        name: 'x\u001b]0;owned\u0007\u001b[2J',
        agent: 'true',
        tasks: [{ id: 'a\u001b[31m' }],
      }),
    );
    const result = await run(file);
    await expectRefused(result, board, 'name: must not contain control characters (U+001B at character 2');
    expect(result.stderr).not.toMatch(CONTROL);
  });

  it('a million lists deep', async () => {
    const board = id('deep');
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    const file = await boardFile(
      'board.json',
      `{"name": "${board}", "agent": "true", "tasks": [{"id": "a", "agent": {"kind": "shell", "command": "true", "env": {"DEEP": ${deep}}}}]}`,
    );
    await expectRefused(await run(file), board, 'tasks[0].agent.env.DEEP');
  });

  it('a YAML alias bomb', async () => {
    const lines = ['name: bomb', 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      lines.push(`x-${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i === 1 ? '' : i - 1}`).join(',')}]`);
    lines.push('agent: "true"', 'tasks: [{ id: a, description: *a9 }]');
    await expectRefused(await run(await boardFile('board.yaml', lines.join('\n'))), undefined, 'board.yaml');
  });

  it('a __proto__ key, a traversing id and a device or a pipe for a board', async () => {
    const board = id('proto');
    const proto = await boardFile(
      'board.json',
      `{"name": "${board}", "agent": "true", "__proto__": {"polluted": true}, "tasks": [{"id": "../../etc"}]}`,
    );
    await expectRefused(
      await run(proto),
      board,
      '__proto__: unknown field',
      'tasks[0].id: "../../etc" is not a safe id',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectRefused(await runCli(['run', '/dev/zero'], { env: env() }), undefined, 'not a regular file: /dev/zero');
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    await expectRefused(await runCli(['run', fifo], { env: env() }), undefined, `not a regular file: ${fifo}`);
  });
});

describe('hostile boards that are valid run correctly', () => {
  it('a 60,000-character description of three-byte characters reaches the task through its file', async () => {
    const board = id('long');
    // 180 KB of UTF-8: more than exec takes in one variable (128 KiB), well under the 65,536-character limit.
    const description = '説'.repeat(60_000);
    const file = await boardFile(
      'board.yaml',
      [
        `name: ${board}`,
        'tasks:',
        '  - id: read',
        `    description: "${description}"`,
        '    agent: \'wc -c < "$TODONE_TASK_DESCRIPTION_FILE" > size.txt; echo "${TODONE_TASK_DESCRIPTION-unset}" > env.txt\'',
      ].join('\n'),
    );
    const result = await run(file);
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await fs.readFile(path.join(path.dirname(file), 'size.txt'), 'utf8')).trim()).toBe(String(180_000));
    expect(await fs.readFile(path.join(path.dirname(file), 'env.txt'), 'utf8')).toBe('unset\n');
  });

  it('a task that prints escape sequences and fails: nothing of them reaches the terminal', async () => {
    const board = id('output');
    const file = await boardFile(
      'board.yaml',
      [`name: ${board}`, 'retry: { maxAttempts: 1 }', 'tasks:', '  - { id: loud, agent: sh loud.sh }'].join('\n'),
    );
    // A window title, a screen clear and a hidden link, then a failure: its last line is the reason.
    await fs.writeFile(
      path.join(path.dirname(file), 'loud.sh'),
      "printf '\\033]0;owned\\007\\033[2J\\033]8;;http://evil.example\\033\\\\link\\n'; exit 3\n",
    );
    const result = await run(file);
    expect(result.exitCode, result.stderr).toBe(1);
    // NO_COLOR is set: any escape or control character in the output would be the task's.
    expect(result.stdout + result.stderr).not.toMatch(CONTROL);
    expect(result.stdout).toContain('link');
    expect(result.stdout).not.toContain('evil.example');
  });
});
