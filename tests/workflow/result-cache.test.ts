/**
 * The result cache on the real server, plain boards: a second board with the same cached tasks runs
 * none of them; a changed input re-runs exactly the task that reads it and the tasks its new output
 * reaches; each part of a key changed on its own gives a miss; a damaged entry is ignored and said.
 * Marker files count the executions; the cache lives under each harness's data folder.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSpec, TaskSpec } from '../../src/core/board.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { makeBoard, type TestTask } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** Counts its run in `<dir>/<id>.runs`, then runs `then`. */
const counted = (dir: string, id: string, then = 'true') => `echo run >> ${dir}/${id}.runs; ${then}`;
async function runs(dir: string, ...ids: string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const text = await fs.readFile(path.join(dir, `${id}.runs`), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).length;
    }),
  );
}

type CachedTask = TestTask & { inputs?: string[]; env?: string[] };

/** A board of cached tasks (the same ids on every board made from `tasks`); each call is a new board. */
function cachedBoard(dir: string, tasks: CachedTask[], name = 'cached'): BoardSpec {
  const board = makeBoard(
    `${name}-${randomUUID().slice(0, 8)}`,
    dir,
    tasks.map(({ inputs: _i, env: _e, ...t }) => ({ retry: { maxAttempts: 1 }, ...t })),
  );
  board.tasks.forEach((task, i) => {
    const { inputs = ['in/**'], env } = tasks[i]!;
    task.cache = { inputs, ...(env ? { env } : {}) };
  });
  return board;
}

const hits = (result: BoardResult) => result.tasks.filter((t) => t.cache?.hit).map((t) => t.id);
const byId = (result: BoardResult, id: string) => result.tasks.find((t) => t.id === id)!;

async function write(dir: string, file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await fs.writeFile(path.join(dir, file), text);
}

describe('a cached plain board', () => {
  // a reads in/a.txt and passes it on as its output; b builds on a; c reads in/c.txt.
  const tasks = (dir: string): CachedTask[] => [
    {
      id: 'a',
      inputs: ['in/a.txt'],
      command: counted(dir, 'a', 'printf "{\\"a\\": \\"%s\\"}" "$(cat in/a.txt)" > "$TODONE_OUTPUT"; sleep 0.3'),
    },
    { id: 'b', dependsOn: ['a'], inputs: ['in/b/**'], command: counted(dir, 'b') },
    { id: 'c', inputs: ['in/c.txt'], command: counted(dir, 'c') },
  ];

  it('runs none of its tasks on a second board; a changed input re-runs its task and what its output reaches', async () => {
    const dir = await h.tempDir();
    await write(dir, 'in/a.txt', 'one');
    await write(dir, 'in/b/notes.md', 'b');
    await write(dir, 'in/c.txt', 'c');
    const first = await h.run(cachedBoard(dir, tasks(dir)));
    expect(first.state).toBe('completed');
    expect(hits(first)).toEqual([]);
    expect(first.tasks.every((t) => t.cache?.key?.length === 64)).toBe(true);

    const second = await h.run(cachedBoard(dir, tasks(dir), 'other-board'));
    expect(second.state).toBe('completed');
    expect(await runs(dir, 'a', 'b', 'c')).toEqual([1, 1, 1]);
    expect(hits(second)).toEqual(['a', 'b', 'c']);
    // The hit replays what the task produced, and says what it spared and where it came from.
    expect(byId(second, 'a').output).toEqual({ a: 'one' });
    expect(byId(second, 'a').cache).toMatchObject({
      key: byId(first, 'a').cache!.key,
      hit: true,
      saved: { boardId: first.boardId, taskId: 'a' },
    });
    expect(byId(second, 'a').cache!.saved!.durationMs).toBeGreaterThanOrEqual(300);
    expect(byId(second, 'a').usage).toBeUndefined();

    await write(dir, 'in/a.txt', 'two');
    const third = await h.run(cachedBoard(dir, tasks(dir), 'third'));
    expect(await runs(dir, 'a', 'b', 'c')).toEqual([2, 2, 1]);
    expect(hits(third)).toEqual(['c']);
    expect(byId(third, 'a').output).toEqual({ a: 'two' });

    // An input that changes back finds its first result again.
    await write(dir, 'in/a.txt', 'one');
    expect(hits(await h.run(cachedBoard(dir, tasks(dir), 'fourth')))).toEqual(['a', 'b', 'c']);
    expect(await runs(dir, 'a', 'b', 'c')).toEqual([2, 2, 1]);
  });

  it('misses when any part of the key changes: definition, agent, each input file, a named variable, a dependency output', async () => {
    const dir = await h.tempDir();
    await write(dir, 'in/one.txt', '1');
    await write(dir, 'in/two.txt', '2');
    const variable = `TODONE_TEST_CACHE_${randomUUID().slice(0, 8).toUpperCase()}`;
    process.env[variable] = 'first';
    const base: CachedTask[] = [
      { id: 'dep', inputs: ['dep.txt'], command: counted(dir, 'dep', 'cat dep.txt > "$TODONE_OUTPUT" || true') },
      { id: 't', dependsOn: ['dep'], inputs: ['in/*.txt'], env: [variable], command: counted(dir, 't') },
    ];
    await write(dir, 'dep.txt', '{"v": 1}');
    const runT = async (edit: (tasks: TaskSpec[]) => void = () => undefined) => {
      const board = cachedBoard(dir, base);
      edit(board.tasks);
      const result = await h.run(board);
      expect(result.state).toBe('completed');
      return byId(result, 't');
    };
    const first = await runT();
    expect((await runT()).cache?.hit).toBe(true);
    const seen = new Set([first.cache!.key]);
    const expectMiss = async (what: string, edit?: (tasks: TaskSpec[]) => void) => {
      const before = (await runs(dir, 't'))[0]!;
      const t = await runT(edit);
      expect(t.cache?.hit, what).toBeUndefined();
      expect((await runs(dir, 't'))[0], what).toBe(before + 1);
      expect(seen.has(t.cache!.key), `${what}: a new key`).toBe(false);
      seen.add(t.cache!.key);
    };

    await expectMiss('the definition', (ts) => void (ts[1]!.description = 'another description'));
    await expectMiss(
      'the agent',
      (ts) => void (ts[1]!.agent = { kind: 'shell', command: counted(dir, 't', ':'), env: {} }),
    );
    await write(dir, 'in/one.txt', '1, changed');
    await expectMiss('the first input file');
    await write(dir, 'in/two.txt', '2, changed');
    await expectMiss('the second input file');
    await write(dir, 'in/three.txt', 'a new file the glob matches');
    await expectMiss('a new input file');
    process.env[variable] = 'second';
    await expectMiss('a named variable');
    delete process.env[variable];
    await expectMiss('a named variable unset');
    await write(dir, 'dep.txt', '{"v": 2}');
    await expectMiss("a dependency's output");
    // A file the globs do not match is not an input.
    await write(dir, 'elsewhere.txt', 'not an input');
    expect((await runT()).cache?.hit).toBe(true);
  });

  it('ignores a truncated or altered entry and says so, runs the task, and stores a good one', async () => {
    const dir = await h.tempDir();
    await write(dir, 'in/x.txt', 'x');
    const tasks: CachedTask[] = [{ id: 'x', inputs: ['in/x.txt'], command: counted(dir, 'x') }];
    const first = await h.run(cachedBoard(dir, tasks));
    const key = first.tasks[0]!.cache!.key!;
    await fs.truncate(await entryFile(h.home, key), 10);
    const afterTruncation = byId(await h.run(cachedBoard(dir, tasks)), 'x');
    expect(afterTruncation.cache).toMatchObject({ key });
    expect(afterTruncation.cache!.hit).toBeUndefined();
    expect(afterTruncation.cache!.note).toMatch(/a cache entry was ignored: its entry does not match its hash/);
    expect(await runs(dir, 'x')).toEqual([2]);
    // The run stored a sound entry again.
    expect(byId(await h.run(cachedBoard(dir, tasks)), 'x').cache?.hit).toBe(true);

    // Altered in place, the same length: caught by the same check.
    const entry = await entryFile(h.home, key);
    const bytes = await fs.readFile(entry);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 0xff, bytes.length - 2);
    await fs.writeFile(entry, bytes);
    const afterAltering = byId(await h.run(cachedBoard(dir, tasks)), 'x');
    expect(afterAltering.cache!.note).toMatch(/does not match its hash/);
    expect(await runs(dir, 'x')).toEqual([3]);
  });
});

/** The file holding the entry of `key` in the file store under a harness's data folder. */
async function entryFile(home: string, key: string): Promise<string> {
  const root = path.join(home, 'payloads', 'cache');
  const record = JSON.parse(await fs.readFile(path.join(root, 'keys', key.slice(0, 2), key), 'utf8')) as {
    entry: string;
  };
  return path.join(root, 'entries', record.entry.slice(0, 2), record.entry);
}
