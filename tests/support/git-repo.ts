/** Real git repositories in temp folders for tests, and a byte-level picture of a user's checkout. */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execa('git', args, { cwd, stdin: 'ignore' });
  return stdout.trim();
}

/** A repository on `main` with one commit holding `files`. */
export async function createRepo(
  dir: string,
  files: Record<string, string> = { 'README.md': '# test\n' },
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
  await git(dir, ['config', 'user.name', 'Test User']);
  await git(dir, ['config', 'user.email', 'test@example.com']);
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '--quiet', '-m', 'initial']);
  return dir;
}

export interface CheckoutPicture {
  head: string;
  branch: string;
  index: string;
  files: Record<string, string>;
}

/** HEAD, the checked-out branch, the index file's bytes and every file of the working tree (untracked too). */
export async function pictureCheckout(repo: string): Promise<CheckoutPicture> {
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(repo, full);
      if (rel === '.git') continue;
      if (entry.isDirectory()) await walk(full);
      else files[rel] = hash(await fs.readFile(full));
    }
  };
  await walk(repo);
  return {
    head: await git(repo, ['rev-parse', 'HEAD']),
    branch: await git(repo, ['symbolic-ref', '--short', 'HEAD']),
    index: hash(await fs.readFile(path.join(repo, '.git', 'index'))),
    files,
  };
}

function hash(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** File content on a branch, or undefined when the branch lacks the file. */
export async function showFile(repo: string, ref: string, file: string): Promise<string | undefined> {
  try {
    return await git(repo, ['show', `${ref}:${file}`]);
  } catch {
    return undefined;
  }
}
