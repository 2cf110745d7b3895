/** Whether a command can be started, said before an agent is given a goal it cannot work on. */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** undefined when `file` (a path, or a name looked up on PATH) is an executable; otherwise why not. */
export async function executableProblem(
  file: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const candidates = file.includes('/')
    ? [path.resolve(cwd, file)]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, file));
  for (const candidate of candidates) {
    if (
      await fs.access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return undefined;
  }
  return file.includes('/') ? `${file} is not an executable file` : `"${file}" was not found on PATH`;
}
