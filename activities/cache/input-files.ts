/**
 * The part of a cached task's key that names its input files. On a git board, the tree of its
 * start commit, narrowed to its `inputs` globs when it gives them: read from git, never from the
 * worktree a task could have touched. On a plain board, the files under its folder that match its
 * globs, read without following a link: a link is hashed as the path it points to, a file is
 * opened refusing a link in its place and checked to be the file that was listed, inside the
 * folder. Anything else matching a glob (a pipe, a device) makes the task uncacheable rather than
 * be read. Globs are picomatch's, the same on both kinds of board; dotfiles match only when a
 * glob names them.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { openGit } from '../git/git.js';

/** Files a task's inputs may match: past this its key would cost more than it saves. */
export const MAX_INPUT_FILES = 100_000;

export type InputsDigest = { digest: string } | { uncacheable: string };

/** Git boards: the start commit's tree, or the entries of it that match `globs`. */
export async function gitInputsDigest(
  repoOrWorktree: string,
  startSha: string,
  globs?: string[],
): Promise<InputsDigest> {
  const git = openGit(repoOrWorktree);
  if (!globs) return { digest: `tree:${(await git.raw(['rev-parse', `${startSha}^{tree}`])).trim()}` };
  const matches = matcher(globs);
  const hash = createHash('sha256');
  let count = 0;
  // <mode> SP <type> SP <object> TAB <path> NUL: the object id names the content.
  for (const line of (await git.raw(['ls-tree', '-r', '-z', '--full-tree', startSha])).split('\0')) {
    const tab = line.indexOf('\t');
    if (tab < 0 || !matches(line.slice(tab + 1))) continue;
    if (++count > MAX_INPUT_FILES) return tooMany(globs);
    hash.update(line).update('\0');
  }
  return { digest: `globs:${hash.digest('hex')}` };
}

/** Plain boards: the files under `folder` that match `globs`. */
export async function folderInputsDigest(folder: string, globs: string[]): Promise<InputsDigest> {
  const root = await fs.realpath(folder);
  const matches = matcher(globs);
  const found: string[] = [];
  // Only the folders a glob can reach are walked: `src/**` never reads node_modules.
  const starts = [...new Set(globs.map((g) => picomatch.scan(g).base).map((b) => b.replace(/\/+$/, '')))];
  for (const start of starts.sort()) {
    if (starts.some((other) => other !== start && isInside(start, other))) continue;
    const overflow = await walk(root, start, (rel) => {
      if (matches(rel)) found.push(rel);
      return found.length > MAX_INPUT_FILES;
    });
    if (overflow) return tooMany(globs);
  }
  const hash = createHash('sha256');
  for (const rel of [...new Set(found)].sort()) {
    const problem = await hashEntry(hash, root, rel);
    if (problem) return { uncacheable: `inputs: ${rel} ${problem}` };
  }
  return { digest: `files:${hash.digest('hex')}` };
}

/**
 * picomatch's `**` does not cross a line break in a name (its `*` does): a name holding one is
 * matched with `_` in its place, so a glob can only match more inputs than it says, never fewer.
 */
function matcher(globs: string[]): (rel: string) => boolean {
  const matches = picomatch(globs, { dot: false });
  return (rel) => matches(rel.replace(/[\n\r\u2028\u2029]/g, '_'));
}

function tooMany(globs: string[]): InputsDigest {
  return { uncacheable: `inputs ${JSON.stringify(globs)} match more than ${MAX_INPUT_FILES} files` };
}

function isInside(dir: string, parent: string): boolean {
  return parent === '' || dir === parent || dir.startsWith(`${parent}/`);
}

/**
 * Calls `visit` with each non-folder under `start` (relative to root; `start` itself when it is
 * not a folder), links never followed, not even on the way to `start`; stops when it returns true.
 */
async function walk(root: string, start: string, visit: (rel: string) => boolean): Promise<boolean> {
  let at = '';
  for (const part of start.split('/').filter(Boolean)) {
    at = at === '' ? part : `${at}/${part}`;
    const info = await fs.lstat(path.join(root, at)).catch(() => undefined);
    if (!info) return false;
    if (!info.isDirectory()) return visit(at);
  }
  const pending = [at];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = await fs.readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) pending.push(rel);
      else if (visit(rel)) return true;
    }
  }
  return false;
}

/** Adds one listed entry to the hash; returns what is wrong with it when it cannot be hashed safely. */
async function hashEntry(hash: Hash, root: string, rel: string): Promise<string | undefined> {
  const full = path.join(root, rel);
  const listed = await fs.lstat(full).catch(() => undefined);
  if (!listed) return undefined; // Gone since the walk: it is not an input any more.
  if (listed.isSymbolicLink()) {
    hash.update(`L\0${rel}\0${await fs.readlink(full)}\0`);
    return undefined;
  }
  if (!listed.isFile()) return 'is not a file or a link';
  const handle = await fs.open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const opened = await handle.stat();
    // The file listed, not one put in its place or reached through a folder swapped for a link since.
    if (opened.ino !== listed.ino || opened.dev !== listed.dev || !(await insideRoot(handle.fd, root)))
      return 'changed while it was read';
    hash.update(`F\0${rel}\0${opened.mode & 0o111 ? 'x' : '-'}\0`);
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    hash.update('\0');
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Where an open file really is (Linux's /proc); elsewhere the inode check alone stands. */
async function insideRoot(fd: number, root: string): Promise<boolean> {
  const real = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => undefined);
  return real === undefined || real.startsWith(`${root}/`);
}
