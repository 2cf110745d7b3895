import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitConfigError } from '../../activities/git/errors.js';
import {
  integrationBranch,
  integrationCommitMessage,
  integrationWorktreePath,
  parseTrailers,
  poolSlotPath,
  taskBranch,
  taskCommitMessage,
  taskWorktreePath,
  withTrailers,
} from '../../activities/git/names.js';

describe('git names', () => {
  it('derives branches and folders from board and task ids', () => {
    expect(taskBranch('board', 'build.api')).toBe('todone/board/build.api');
    expect(integrationBranch('board')).toBe('todone/board/integration');
    expect(taskWorktreePath('/wt', 'build')).toBe(path.join('/wt', 'tasks', 'build'));
    expect(poolSlotPath('/wt', 3)).toBe(path.join('/wt', 'pool', 'slot-3'));
    expect(integrationWorktreePath('/wt')).toBe(path.join('/wt', 'integration'));
  });

  it('refuses ids that are not safe, and a task named like the integration branch', () => {
    for (const id of ['a b', '$(x)', 'a;b', '../up', '-x', 'a..b', 'x.lock', '']) {
      expect(() => taskBranch('board', id)).toThrow(GitConfigError);
    }
    expect(() => taskBranch('bad board', 'ok')).toThrow(GitConfigError);
    expect(() => taskBranch('board', 'Integration')).toThrow(/integration/);
    expect(() => poolSlotPath('/wt', -1)).toThrow(GitConfigError);
  });
});

describe('commit messages and trailers', () => {
  it('names board and task, keeps the description whole, ends with trailers', () => {
    expect(taskCommitMessage('b', 't', 'Add the parser')).toBe(
      'todone(b): t: Add the parser\n\nTodone-Board: b\nTodone-Task: t\n',
    );
    expect(taskCommitMessage('b', 't', '')).toBe('todone(b): t\n\nTodone-Board: b\nTodone-Task: t\n');
    const long = `${'x'.repeat(100)}\nsecond line`;
    const message = taskCommitMessage('b', 't', long);
    const [subject = ''] = message.split('\n');
    expect(subject.length).toBeLessThanOrEqual(72);
    expect(subject.endsWith('…')).toBe(true);
    expect(message).toContain(long);
    expect(parseTrailers(message)).toEqual({ board: 'b', task: 't' });
    expect(taskCommitMessage('b', 't', 'nul\0byte')).toContain('nulbyte');
  });

  it('reads trailers from the last paragraph only', () => {
    expect(parseTrailers('subject\n\nTodone-Task: fake\n\nbody')).toEqual({});
    expect(parseTrailers('Todone-Task: subject-only')).toEqual({});
    expect(parseTrailers(integrationCommitMessage('b', 't', 'abc', 'merge'))).toEqual({
      board: 'b',
      task: 't',
      commit: 'abc',
    });
  });

  it('adds missing trailers to an existing trailer block, or as a new paragraph', () => {
    const own = taskCommitMessage('b', 't', 'work');
    expect(withTrailers(own, { board: 'b', task: 't', commit: 'abc' })).toBe(
      'todone(b): t: work\n\nTodone-Board: b\nTodone-Task: t\nTodone-Commit: abc\n',
    );
    expect(withTrailers('agent commit\n\nsome body', { board: 'b', task: 't', commit: 'abc' })).toBe(
      'agent commit\n\nsome body\n\nTodone-Board: b\nTodone-Task: t\nTodone-Commit: abc\n',
    );
    expect(withTrailers('single line', { board: 'b', task: 't' })).toBe(
      'single line\n\nTodone-Board: b\nTodone-Task: t\n',
    );
  });
});
