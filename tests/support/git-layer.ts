/** Fixtures for the git layer's tests: throwaway repositories, board configs, and what to assert on. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { BoardGitConfig } from '../../activities/git/types.js';
import { createRepo, git } from './git-repo.js';

export { git };

/** stdout of a git command that may fail (an empty answer is often a non-zero exit). */
export async function gitMaybe(cwd: string, args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, stdin: 'ignore', reject: false });
  return r.stdout.trim();
}

const made: string[] = [];

export async function tempDir(prefix = 'todone-git-'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await fs.rm(dir, { recursive: true, force: true });
}

export interface Fixture {
  root: string;
  repo: string;
  worktreeRoot: string;
  config: BoardGitConfig;
}

export const BASE_FILES: Record<string, string> = {
  'README.md': '# project\n',
  'shared.txt': 'line 1\nline 2\nline 3\n',
  'src/app.js': 'export const answer = 42;\n',
  '.gitignore': 'node_modules/\n.env\nbuild/\n',
};

/** A repository on `main` with one commit, and a board config whose worktree root is beside it. */
export async function fixture(
  overrides: Partial<BoardGitConfig> = {},
  files: Record<string, string> = BASE_FILES,
): Promise<Fixture> {
  const root = await tempDir();
  const repo = await createRepo(path.join(root, 'repo'), files);
  const worktreeRoot = path.join(root, 'worktrees');
  return { root, repo, worktreeRoot, config: boardConfig(repo, worktreeRoot, overrides) };
}

export function boardConfig(
  repo: string,
  worktreeRoot: string,
  overrides: Partial<BoardGitConfig> = {},
): BoardGitConfig {
  return { repo, worktreeRoot, poolSize: 0, keep: [], copy: [], link: [], strategy: 'merge', ...overrides };
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** `git status` of a worktree, untracked and ignored files included: empty means spotless. */
export async function statusAll(dir: string): Promise<string> {
  return git(dir, ['status', '--porcelain', '--ignored', '--untracked-files=all']);
}

export async function treeOf(repo: string, rev: string): Promise<string> {
  return git(repo, ['rev-parse', `${rev}^{tree}`]);
}

/** First-parent commits on `branch` that integrate `taskSha` (its Todone-Commit trailer). */
export async function integrationsOf(repo: string, branch: string, taskSha: string): Promise<number> {
  const out = await git(repo, [
    'log',
    '--first-parent',
    '--format=%H',
    '--fixed-strings',
    `--grep=Todone-Commit: ${taskSha}`,
    branch,
  ]);
  return out.split('\n').filter(Boolean).length;
}

export async function gitDir(worktree: string): Promise<string> {
  return path.resolve(worktree, await git(worktree, ['rev-parse', '--git-dir']));
}

export async function fsck(repo: string): Promise<void> {
  await execa('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: repo, stdin: 'ignore' });
}

/** Every file under `dir` (not descending into `.git`), for "nothing appeared" checks. */
export async function findFiles(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, entry.name);
      if (entry.name === name) found.push(full);
      if (entry.isDirectory() && !entry.isSymbolicLink()) await walk(full);
    }
  };
  await walk(dir);
  return found;
}
