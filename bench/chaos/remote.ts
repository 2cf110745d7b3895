/** The bare repository the fleet shares, on `main` with the chaos board's base files. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function createRemote(root: string, files: Record<string, string>): Promise<string> {
  const seed = path.join(root, 'seed');
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(seed, name)), { recursive: true });
    await fs.writeFile(path.join(seed, name), content);
  }
  const git = (cwd: string, args: string[]) =>
    run('git', ['-c', 'user.name=chaos', '-c', 'user.email=chaos@localhost', ...args], { cwd });
  await git(seed, ['init', '--quiet', '--initial-branch=main']);
  await git(seed, ['add', '-A']);
  await git(seed, ['commit', '--quiet', '-m', 'base']);
  const bare = path.join(root, 'remote.git');
  await git(root, ['clone', '--bare', '--quiet', seed, bare]);
  await fs.rm(seed, { recursive: true, force: true });
  return bare;
}
