import { describe, expect, it } from 'vitest';
import { boardGitConfigSchema, checkInput, commitSchema } from '../../activities/git/validate.js';
import { GitConfigError } from '../../activities/git/errors.js';
import { normaliseBoard } from '../../src/board/load.js';
import type { GitSpec } from '../../src/core/board.js';
import { isFullSha, isSafeId } from '../../src/core/rules.js';
import { InvalidInputError } from '../../src/errors.js';

type Raw = Record<string, unknown>;
const OPTIONS = { source: 'test', baseDir: '/tmp', home: '/tmp/todone-home' } as const;
const rawBoard = (fields: Raw): Raw => ({
  name: 'x',
  repo: '/tmp/todone-repo',
  agent: 'true',
  tasks: [{ id: 'a' }],
  ...fields,
});

/** The board as the loader reads it: its git config, or the paths of the problems it reports. */
function load(fields: Raw): { git: GitSpec } | { problems: string[] } {
  try {
    return { git: normaliseBoard(rawBoard(fields), OPTIONS).git! };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { problems: error.issues.map((i) => i.path) };
  }
}

const good = load({ integration: { author: { name: 'Ann', email: 'ann@example.com' } } });
if (!('git' in good)) throw new Error('the base board must load');

function activityAccepts(git: GitSpec): boolean {
  try {
    checkInput(boardGitConfigSchema, git, 'test');
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(GitConfigError);
    return false;
  }
}

const RELATIVE = [
  '.env',
  'node_modules',
  'a/b',
  './a',
  'a/./b',
  ' spaced',
  '../x',
  'a/../../x',
  'a/..',
  '/abs',
  '.git',
  '.git/hooks',
  './.git',
  '',
  '.',
  './',
  'a\0b',
];
const KEEP = ['.env', 'build/', '*.log', '!keep', '', ' ', 'a\nb', 'a\0b'];
const BRANCH = [
  'main',
  'feature/x',
  'release-1.0',
  'user@host',
  '-x',
  'a..b',
  'refs/heads/main',
  'a b',
  'x.lock',
  'a/',
  '/a',
  'a//b',
  'a@{1}',
  'a.',
  'a~1',
  'a^',
  'a:b',
  'a?',
  'a*',
  'a[',
  'a\\b',
  '',
];
const IDENTITY = ['Ann', `O'Brien "$(x)" Jr`, 'ann@example.com', '', ' ', 'A <a@b>', '<a@b>', 'a>b', 'a\nb'];

/** Each setting: where it sits in a board file, and where the activities find it. */
const settings: { field: string; values: string[]; board: (v: string) => Raw; git: (v: string) => Partial<GitSpec> }[] =
  [
    {
      field: 'worktrees.copy[0]',
      values: RELATIVE,
      board: (v) => ({ worktrees: { copy: [v] } }),
      git: (v) => ({ copy: [v] }),
    },
    {
      field: 'worktrees.link[0]',
      values: RELATIVE,
      board: (v) => ({ worktrees: { link: [v] } }),
      git: (v) => ({ link: [v] }),
    },
    {
      field: 'worktrees.keep[0]',
      values: KEEP,
      board: (v) => ({ worktrees: { keep: [v] } }),
      git: (v) => ({ keep: [v] }),
    },
    { field: 'base', values: BRANCH, board: (v) => ({ base: v }), git: (v) => ({ base: v }) },
    {
      field: 'integration.author.name',
      values: IDENTITY,
      board: (v) => ({ integration: { author: { name: v, email: 'ann@example.com' } } }),
      git: (v) => ({ author: { name: v, email: 'ann@example.com' } }),
    },
    {
      field: 'integration.author.email',
      values: IDENTITY,
      board: (v) => ({ integration: { author: { name: 'Ann', email: v } } }),
      git: (v) => ({ author: { name: 'Ann', email: v } }),
    },
  ];

describe('the loader and the git activities agree', () => {
  for (const setting of settings) {
    it(`on ${setting.field}`, () => {
      let rejected = 0;
      for (const value of setting.values) {
        const loaded = load(setting.board(value));
        const byActivity = activityAccepts({ ...good.git, ...setting.git(value) });
        const label = `${setting.field} = ${JSON.stringify(value)}`;
        if ('git' in loaded) {
          expect(byActivity, `${label}: the loader accepts it, the activities refuse it`).toBe(true);
          expect(activityAccepts(loaded.git), `${label}: as loaded`).toBe(true);
        } else {
          rejected++;
          expect(loaded.problems, label).toEqual([setting.field]);
          expect(byActivity, `${label}: the loader refuses it, the activities accept it`).toBe(false);
        }
      }
      // The table is worth something only if it holds both kinds of value.
      expect(rejected).toBeGreaterThan(0);
      expect(rejected).toBeLessThan(setting.values.length);
    });
  }

  it('on task and board ids', () => {
    for (const id of [
      'build',
      'build.api',
      'a_b-c',
      'x'.repeat(100),
      'x'.repeat(101),
      'a b',
      'a..b',
      'x.lock',
      'x.',
      '-x',
      '.x',
      '',
    ]) {
      const loaded = load({ id, tasks: [{ id }] });
      const commit = {
        git: good.git,
        boardId: id,
        taskId: id,
        description: '',
        path: '/tmp/w',
        branch: 'b',
        startSha: 'a'.repeat(40),
      };
      let byActivity = true;
      try {
        checkInput(commitSchema, commit, 'test');
      } catch {
        byActivity = false;
      }
      expect(byActivity, JSON.stringify(id)).toBe('git' in loaded);
      expect(isSafeId(id), JSON.stringify(id)).toBe('git' in loaded);
    }
  });

  it('on commit SHAs: full lowercase SHA-1 or SHA-256 only', () => {
    expect(isFullSha('a'.repeat(40))).toBe(true);
    expect(isFullSha('0123456789abcdef'.repeat(4))).toBe(true);
    for (const sha of ['A'.repeat(40), 'a'.repeat(39), 'a'.repeat(41), 'a'.repeat(63), 'g'.repeat(40), 'HEAD', ''])
      expect(isFullSha(sha), sha).toBe(false);
  });
});
