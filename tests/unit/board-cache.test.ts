import { describe, expect, it } from 'vitest';
import { normaliseBoard } from '../../src/board/load.js';
import { taskDefinition } from '../../src/core/resume.js';
import { loaderIssues } from '../support/board-issues.js';

type Board = Record<string, unknown>;

const load = (raw: Board) => normaliseBoard(raw, { source: 'test', baseDir: '/tmp', home: '/tmp/todone-home' });
const cacheOf = (raw: Board) => Object.fromEntries(load(raw).tasks.map((t) => [t.id, t.cache]));
const issuesOf = (raw: Board) => loaderIssues(() => load(raw));

describe('cache: which task results may come from the cache', () => {
  it('is off unless asked; the task, then the board for its type, then the board for all', () => {
    const tasks = [
      { id: 'plain' },
      { id: 'look', type: 'analyze' },
      { id: 'no', type: 'analyze', cache: false },
      { id: 'yes', cache: true },
    ];
    expect(cacheOf({ name: 'b', agent: 'true', inputs: 'src/**', tasks })).toEqual({
      plain: undefined,
      look: undefined,
      no: undefined,
      yes: { inputs: ['src/**'] },
    });
    expect(cacheOf({ name: 'b', agent: 'true', inputs: ['src/**'], cache: { analyze: true }, tasks })).toEqual({
      plain: undefined,
      look: { inputs: ['src/**'] },
      no: undefined,
      yes: { inputs: ['src/**'] },
    });
    expect(cacheOf({ name: 'b', agent: 'true', inputs: ['src/**'], cache: true, tasks }).plain).toEqual({
      inputs: ['src/**'],
    });
  });

  it("takes the task's inputs instead of the board's, and the variables of both", () => {
    const board = {
      name: 'b',
      agent: 'true',
      cache: true,
      inputs: ['src/**'],
      cacheEnv: ['NODE_ENV'],
      tasks: [{ id: 'own', inputs: ['docs/*.md', 'docs/*.md'], cacheEnv: 'LOCALE' }, { id: 'board' }],
    };
    expect(cacheOf(board)).toEqual({
      own: { inputs: ['docs/*.md'], env: ['LOCALE', 'NODE_ENV'] },
      board: { inputs: ['src/**'], env: ['NODE_ENV'] },
    });
  });

  it('on a git board reads the whole start tree when no inputs are named', () => {
    const raw = { name: 'b', agent: 'true', repo: '/srv/repo', cache: true, tasks: [{ id: 'a' }] };
    expect(normaliseBoard(raw, { source: 'test', baseDir: '/tmp', home: '/tmp/h' }).tasks[0]!.cache).toEqual({});
  });

  it('is refused naming the field: no inputs on a plain board, best of N, bad globs and names', () => {
    expect(issuesOf({ name: 'b', agent: 'true', cache: true, tasks: [{ id: 'a' }] })).toEqual([
      {
        path: 'tasks[0].inputs',
        message:
          'task "a" is cached on a board without a repository: name its input files (inputs: [globs relative to the workdir], on the task or the board) so a change to them is seen',
      },
    ]);
    expect(
      issuesOf({ name: 'b', agent: 'true', repo: '/srv/repo', tasks: [{ id: 'a', cache: true, attempts: 2 }] }),
    ).toContainEqual({
      path: 'tasks[0].cache',
      message: 'task "a" runs best of N, whose pick is not a function of its inputs: it cannot be cached',
    });
    const bad = issuesOf({
      name: 'b',
      agent: 'true',
      cache: true,
      inputs: ['/etc/passwd', '../up/**', '!src', 'a\\b', 'ok/**', ''],
      cacheEnv: ['GOOD', '1BAD', 'with space'],
      tasks: [{ id: 'a' }],
    });
    expect(bad.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "inputs[0]: must be relative to the task's folder, not an absolute path",
      'inputs[1]: must stay inside the task\'s folder (no ".." segments)',
      'inputs[2]: must not be a negation (a cached task names what it reads)',
      'inputs[3]: must not contain "\\" (write "/" between folders)',
      expect.stringMatching(/^inputs\[5\]: /),
      'cacheEnv[1]: must be a variable name (letters, digits and _, not starting with a digit)',
      'cacheEnv[2]: must be a variable name (letters, digits and _, not starting with a digit)',
    ]);
  });

  it("leaves a task's definition as it was: turning the cache on keeps what resume kept", () => {
    const raw = (cache: boolean) => ({ name: 'b', agent: 'true', inputs: ['x'], cache, tasks: [{ id: 'a' }] });
    const [off, on] = [load(raw(false)), load(raw(true))];
    expect(taskDefinition(on, on.tasks[0]!)).toBe(taskDefinition(off, off.tasks[0]!));
  });
});
