import { describe, expect, it } from 'vitest';
import { normaliseBoard } from '../../src/board/load.js';
import type { Issue } from '../../src/errors.js';
import { loaderIssues } from '../support/board-issues.js';

type Board = Record<string, unknown>;

const load = (raw: Board) => normaliseBoard(raw, { source: 'test', baseDir: '/boards', home: '/tmp/todone-home' });

const issuesOf = (raw: Board): Issue[] => loaderIssues(() => load(raw));

const tasks = [{ id: 'a', agent: 'echo a > a.txt' }];

describe('remote: a git board on a fleet', () => {
  it('names the remote and no folder of this machine; each worker decides where its worktrees go', () => {
    const board = load({
      name: 'b',
      remote: 'ssh://git@example.com/team/app.git',
      base: 'main',
      worktrees: { pool: 2, keep: ['node_modules'] },
      tasks,
    });
    expect(board.git).toEqual({
      repo: 'ssh://git@example.com/team/app.git',
      remote: 'ssh://git@example.com/team/app.git',
      base: 'main',
      worktreeRoot: '',
      poolSize: 2,
      keep: ['node_modules'],
      copy: [],
      link: [],
      strategy: 'merge',
      onConflict: 'fail',
      conflictRetries: 1,
      keepFailedWorktrees: true,
    });
    expect(board.workdir).toBe('/boards');
    // A git board's tasks are expected to change files, as with a repo.
    expect(board.tasks[0]!.expectChanges).toBe(true);
  });

  it('reads a relative path as a bare repository beside the board file, and takes scp-style and file URLs as they are', () => {
    expect(load({ name: 'b', remote: '../shared/app.git', tasks }).git?.remote).toBe('/shared/app.git');
    expect(load({ name: 'b', remote: 'git@example.com:team/app.git', tasks }).git?.remote).toBe(
      'git@example.com:team/app.git',
    );
    expect(load({ name: 'b', remote: 'file:///srv/app.git', tasks }).git?.remote).toBe('file:///srv/app.git');
  });

  it('refuses what cannot work on a fleet, naming each field', () => {
    const issues = issuesOf({
      name: 'b',
      remote: '-c:x',
      repo: '.',
      worktrees: { root: '/tmp/w', copy: ['.env'], link: ['node_modules'] },
      tasks,
    });
    const at = issues.map((i) => `${i.path}: ${i.message}`);
    expect(at).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^remote: must not start with "-"/),
        expect.stringMatching(/^repo: give repo .* or remote .*, not both/),
        expect.stringMatching(/^worktrees\.root: .* remove root/),
        expect.stringMatching(/^worktrees\.copy: /),
        expect.stringMatching(/^worktrees\.link: /),
      ]),
    );
    expect(issuesOf({ name: 'b', remote: 'ext::sh -c x', tasks }).map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^remote: must not use the ext:: transport/),
    ]);
    expect(
      issuesOf({ name: 'b', remote: '/srv/app.git', tasks: [{ id: 'integration', agent: 'true' }] }).map(
        (i) => `${i.path}: ${i.message}`,
      ),
    ).toEqual([expect.stringMatching(/^tasks\[0\]\.id: "integration" is reserved/)]);
  });
});
