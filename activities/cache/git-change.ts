/**
 * A cached git task's change: recorded after it succeeded as the binary patch from its start commit
 * to what its worktree holds (staged exactly as its commit will be: everything, less the copied and
 * linked extras and what git ignores), and on a hit applied onto the worktree of its new start
 * commit, only when it applies cleanly. The commit step then commits it like any task's work.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertWorktreeOf } from '../git/commit.js';
import { extraExcludes } from '../git/extras.js';
import { openGit } from '../git/git.js';
import type { PrepareWorktreeInput } from '../git/types.js';

/** `git diff` as a patch `git apply` takes back: no external drivers, no renames, full binary. */
const PATCH_FLAGS = [
  '--binary',
  '--full-index',
  '--no-renames',
  '--no-ext-diff',
  '--no-textconv',
  '--src-prefix=a/',
  '--dst-prefix=b/',
];

export async function recordChange(
  workdir: string,
  worktree: PrepareWorktreeInput,
  scratchDir: string,
): Promise<Buffer> {
  const git = openGit(workdir);
  await assertWorktreeOf(git, worktree.git.repo);
  const excludes = await extraExcludes(git, worktree.git);
  await git.raw(['add', '--all', '--', '.', ...excludes]);
  // Written by git to a file: a text file in another encoding would not survive a trip through a string.
  await fs.mkdir(scratchDir, { recursive: true });
  const file = path.join(scratchDir, 'recorded-change.patch');
  try {
    await git.raw(['diff', '--cached', ...PATCH_FLAGS, `--output=${file}`, worktree.startSha, '--']);
    return await fs.readFile(file);
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** Applies `patch` in the worktree; returns why it does not apply, or undefined once it has. */
export async function applyChange(
  workdir: string,
  repo: string,
  patch: Buffer,
  scratchDir: string,
): Promise<string | undefined> {
  if (patch.length === 0) return undefined;
  const git = openGit(workdir);
  await assertWorktreeOf(git, repo);
  await fs.mkdir(scratchDir, { recursive: true });
  const file = path.join(scratchDir, 'cached-change.patch');
  await fs.writeFile(file, patch);
  try {
    const flags = ['apply', '--binary', '--whitespace=nowarn'];
    const check = await git.run([...flags, '--check', file], { ok: [1, 128] });
    if (check.exitCode !== 0)
      return `its recorded change does not apply here: ${firstLine(check.stderr || check.stdout)}`;
    await git.raw([...flags, file]);
    return undefined;
  } finally {
    await fs.rm(file, { force: true });
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] || 'git gave no reason';
}
