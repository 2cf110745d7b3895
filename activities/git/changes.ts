/**
 * Whether a task's worktree holds any work to commit: a commit of its own past the start commit,
 * or a change `commitWork` would commit (tracked or untracked, not ignored, not one of the board's
 * copied or linked extras). Read-only: status never rewrites the worktree's index (see git.ts).
 */
import { extraExcludes } from './extras.js';
import { openGit, revParse } from './git.js';
import type { BoardGitConfig } from './types.js';

export async function worktreeHasWork(input: {
  git: Pick<BoardGitConfig, 'copy' | 'link'>;
  path: string;
  startSha: string;
}): Promise<boolean> {
  const worktree = openGit(input.path);
  if ((await revParse(worktree, 'HEAD')) !== (await revParse(worktree, input.startSha))) return true;
  const status = await worktree.raw([
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--',
    '.',
    ...(await extraExcludes(worktree, input.git)),
  ]);
  return status !== '';
}
