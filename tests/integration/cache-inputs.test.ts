/**
 * What a cached task's key reads of its input files, attacked the way a task that wrote its own
 * folder could: links to files and folders outside (hashed as links, never followed), a pipe where
 * a file was expected (refused, never opened into a hang), more files than a key should read, dotfiles,
 * names with spaces and newlines, and on a git board globs narrowing the commit's tree.
 */
import { execa } from 'execa';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderInputsDigest, gitInputsDigest, MAX_INPUT_FILES } from '../../activities/cache/input-files.js';
import { createRepo, git } from '../support/git-repo.js';

const made: string[] = [];
afterAll(async () => Promise.all(made.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

async function folder(files: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cache-inputs-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function digest(dir: string, globs: string[]): Promise<string> {
  const answer = await folderInputsDigest(dir, globs);
  if (!('digest' in answer)) throw new Error(answer.uncacheable);
  return answer.digest;
}

describe("a plain task's input files", () => {
  it('change the digest with their content, their names and their mode, and only those the globs match', async () => {
    const dir = await folder({ 'src/a.ts': 'a', 'src/deep/b.ts': 'b', 'docs/x.md': 'x', 'package.json': '{}' });
    const globs = ['src/**/*.ts', 'package.json'];
    const before = await digest(dir, globs);
    expect(await digest(dir, globs)).toBe(before);
    await fs.writeFile(path.join(dir, 'docs/x.md'), 'not an input');
    expect(await digest(dir, globs)).toBe(before);

    await fs.writeFile(path.join(dir, 'src/deep/b.ts'), 'b2');
    const changed = await digest(dir, globs);
    expect(changed).not.toBe(before);
    await fs.rename(path.join(dir, 'src/deep/b.ts'), path.join(dir, 'src/deep/c.ts'));
    expect(await digest(dir, globs)).not.toBe(changed);
    const renamed = await digest(dir, globs);
    await fs.chmod(path.join(dir, 'src/a.ts'), 0o755);
    expect(await digest(dir, globs)).not.toBe(renamed);
    await fs.writeFile(path.join(dir, 'package.json'), '{"name": "x"}');
    expect(await digest(dir, ['package.json'])).not.toBe(
      await digest(await folder({ 'package.json': '{}' }), ['package.json']),
    );
  });

  it('hashes a link as where it points, never what is there, and does not walk into a linked folder', async () => {
    const outside = await folder({ 'secret.txt': 'one', 'tree/deep.ts': 'x' });
    const dir = await folder({ 'src/a.ts': 'a' });
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(dir, 'src/link.ts'));
    await fs.symlink(path.join(outside, 'tree'), path.join(dir, 'src/linked'));
    const before = await digest(dir, ['src/**']);
    await fs.writeFile(path.join(outside, 'secret.txt'), 'two');
    await fs.writeFile(path.join(outside, 'tree/deep.ts'), 'y');
    await fs.writeFile(path.join(outside, 'tree/new.ts'), 'z');
    expect(await digest(dir, ['src/**'])).toBe(before);
    // The folder a glob starts from, itself a link: not followed either.
    await fs.symlink(outside, path.join(dir, 'via'));
    const through = await digest(dir, ['via/**']);
    await fs.writeFile(path.join(outside, 'secret.txt'), 'three');
    expect(await digest(dir, ['via/**'])).toBe(through);
  });

  it('refuses a pipe or a device matching a glob rather than read it', async () => {
    const dir = await folder({ 'in/a.txt': 'a' });
    await execa('mkfifo', [path.join(dir, 'in/pipe.txt')]);
    const answer = await folderInputsDigest(dir, ['in/*.txt']);
    expect(answer).toEqual({ uncacheable: 'inputs: in/pipe.txt is not a file or a link' });
  });

  it('leaves dotfiles out unless a glob names them, and reads odd names as they are', async () => {
    const dir = await folder({
      'in/a.txt': 'a',
      'in/.env': 'SECRET=1',
      'in/with space.txt': 's',
      'in/new\nline.txt': 'n',
    });
    const all = await digest(dir, ['in/**']);
    await fs.writeFile(path.join(dir, 'in/.env'), 'SECRET=2');
    expect(await digest(dir, ['in/**'])).toBe(all);
    const named = await digest(dir, ['in/**', 'in/.env']);
    await fs.writeFile(path.join(dir, 'in/.env'), 'SECRET=3');
    expect(await digest(dir, ['in/**', 'in/.env'])).not.toBe(named);
    await fs.writeFile(path.join(dir, 'in/new\nline.txt'), 'n2');
    expect(await digest(dir, ['in/**'])).not.toBe(all);
  });

  it(`stops at ${MAX_INPUT_FILES.toLocaleString('en')} files`, async () => {
    const dir = await folder();
    await fs.mkdir(path.join(dir, 'many'));
    // One folder of empty files, made by one process: quick enough for the bound to be real.
    await execa('sh', ['-c', `seq 0 ${MAX_INPUT_FILES} | xargs touch`], { cwd: path.join(dir, 'many') });
    expect(await folderInputsDigest(dir, ['many/*'])).toEqual({
      uncacheable: `inputs ["many/*"] match more than ${MAX_INPUT_FILES} files`,
    });
  });
});

describe("a git task's input files", () => {
  it('are the commit tree, narrowed by globs to the entries that match', async () => {
    const root = await folder();
    const repo = await createRepo(path.join(root, 'repo'), { 'src/a.ts': 'a', 'docs/x.md': 'x' });
    const first = await git(repo, ['rev-parse', 'HEAD']);
    await fs.writeFile(path.join(repo, 'docs/x.md'), 'y');
    await git(repo, ['commit', '-qam', 'docs']);
    const second = await git(repo, ['rev-parse', 'HEAD']);
    const narrow = async (sha: string) => gitInputsDigest(repo, sha, ['src/**']);
    expect(await narrow(second)).toEqual(await narrow(first));
    expect(await gitInputsDigest(repo, second)).not.toEqual(await gitInputsDigest(repo, first));
    // The worktree is never read: an uncommitted edit is not an input.
    await fs.writeFile(path.join(repo, 'src/a.ts'), 'edited, not committed');
    expect(await narrow(second)).toEqual(await narrow(first));
  });
});
