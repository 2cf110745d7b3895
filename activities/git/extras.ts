/**
 * Files git does not track but tasks need (`.env`, `node_modules`): copied or symlinked from the
 * user's checkout into each task worktree. Never over a tracked file; a missing source is skipped
 * (not every checkout has a `.env`). Commits leave them out (see `extraExcludes`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { GitConfigError } from './errors.js';
import type { Git } from './git.js';
import type { BoardGitConfig } from './types.js';

export async function placeExtras(
  worktree: Git,
  config: Pick<BoardGitConfig, 'repo' | 'copy' | 'link'>,
): Promise<void> {
  const entries = [
    ...config.copy.map((rel) => ({ rel: normalise(rel), how: 'copy' as const })),
    ...config.link.map((rel) => ({ rel: normalise(rel), how: 'link' as const })),
  ];
  if (entries.length === 0) return;
  const tracked = await trackedAmong(
    worktree,
    entries.map((e) => e.rel),
  );
  for (const { rel, how } of entries) {
    if (tracked.has(rel)) continue;
    const source = path.join(config.repo, rel);
    const target = path.join(worktree.dir, rel);
    const sourceStat = await fs.lstat(source).catch(() => undefined);
    if (!sourceStat) continue;
    await makeRealParents(worktree.dir, rel, how);
    if (how === 'link') {
      const current = await fs.readlink(target).catch(() => undefined);
      if (current === source) continue;
      await fs.rm(target, { recursive: true, force: true });
      await fs.symlink(source, target, sourceStat.isDirectory() ? 'dir' : 'file');
    } else {
      await fs.rm(target, { recursive: true, force: true });
      await fs.cp(source, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    }
  }
}

/**
 * Creates the folders above `rel` inside the worktree, refusing any that is a link or a file: a task
 * (whose folder the worktree is) may have left a link there, in a path `keep` spares from cleaning or
 * in a pool slot, and the unconfined worker would then copy the user's files wherever it points.
 */
async function makeRealParents(root: string, rel: string, how: 'copy' | 'link'): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    const stat = await fs.lstat(dir).catch(() => undefined);
    if (!stat) {
      await fs.mkdir(dir);
      continue;
    }
    if (!stat.isDirectory() || stat.isSymbolicLink()) {
      throw new GitConfigError(
        `worktrees.${how}: ${rel} lies under ${path.relative(root, dir)}, which is ${stat.isSymbolicLink() ? 'a link' : 'not a folder'} ` +
          `in the worktree ${root}; Todone does not ${how} through it (a task may have put it there). ` +
          'Remove it, or keep it out of worktrees.keep.',
      );
    }
  }
}

/**
 * Pathspecs that keep the extras out of `git add -A`: a symlinked `node_modules` is not a folder to
 * `.gitignore`'s `node_modules/`. Extras git ignores anyway are left out, since naming an ignored
 * path in a pathspec, even to exclude it, makes `git add` fail.
 */
export async function extraExcludes(worktree: Git, config: Pick<BoardGitConfig, 'copy' | 'link'>): Promise<string[]> {
  const rels = [...new Set([...config.copy, ...config.link].map(normalise))];
  if (rels.length === 0) return [];
  const ignored = await worktree.run(['check-ignore', '-z', '--stdin'], {
    ok: [1],
    input: rels.map((r) => `${r}\0`).join(''),
  });
  const skip = new Set(ignored.stdout.split('\0').filter(Boolean));
  return rels.filter((rel) => !skip.has(rel)).map((rel) => `:(exclude,literal)${rel}`);
}

/** The entries that are tracked themselves or hold tracked files: copying over them would change the task's tree. */
async function trackedAmong(worktree: Git, rels: string[]): Promise<Set<string>> {
  const out = await worktree.raw(['ls-files', '-z', '--', ...rels.map((r) => `:(literal)${r}`)]);
  const files = out.split('\0').filter(Boolean);
  return new Set(rels.filter((rel) => files.some((f) => f === rel || f.startsWith(`${rel}/`))));
}

function normalise(rel: string): string {
  return rel
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}
