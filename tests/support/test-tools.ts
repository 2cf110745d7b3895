/**
 * Tools only the tests need (chromium, docker-compose, Python's moto and temporalio): .ci/run and
 * `npm test`'s pretest put them in place, a developer's machine may lack them. A test file that
 * needs one calls `skipWithout(tool)` before its own hooks: on CI (CI=true) a missing tool fails
 * every test of the file with one message naming it; elsewhere the file is skipped, saying why in
 * one line. A green CI run has run every test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll } from 'vitest';
import { pythonEnv } from './python-tools.js';

export type TestTool = 'chromium' | 'docker-compose' | 'python moto' | 'python temporalio';

/** How each tool is found, and how a machine gets it. */
const TOOLS: Record<TestTool, { find: () => string | undefined; get: string }> = {
  chromium: { find: () => onPath('chromium') ?? onPath('chromium-browser'), get: 'apt-get install chromium' },
  'docker-compose': { find: () => onPath('docker-compose'), get: 'apt-get install docker-compose' },
  'python moto': { find: () => pythonModule('moto.server'), get: 'npm run provision:test-tools' },
  'python temporalio': { find: () => pythonModule('temporalio'), get: 'npm run provision:test-tools' },
};

/** The first executable `name` on PATH, as a shell's `command -v` finds it. */
export function onPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; the next folder may have it.
    }
  }
  return undefined;
}

function pythonModule(module: string): string | undefined {
  const python = onPath('python3');
  if (!python) return undefined;
  const found = spawnSync(python, ['-c', `import ${module}`], { env: pythonEnv(), stdio: 'ignore', timeout: 60_000 });
  return found.status === 0 ? `${python} -c "import ${module}"` : undefined;
}

/** Where `tool` is (a path, or how python imports it), or undefined. */
export function findTool(tool: TestTool): string | undefined {
  return TOOLS[tool].find();
}

export const onCi = (env: NodeJS.ProcessEnv = process.env): boolean => env.CI === 'true' || env.CI === '1';

/**
 * True when this file's tests must be skipped for want of `tool`: only off CI. On CI a missing
 * tool fails the file's tests instead, with one message, before any other hook of the file runs.
 */
export function skipWithout(tool: TestTool): boolean {
  if (findTool(tool) !== undefined) return false;
  const problem = `${tool} is missing (${TOOLS[tool].get})`;
  if (onCi()) {
    beforeAll(() => {
      throw new Error(`${problem}: CI runs every test, so a test-only tool it lacks is a failure`);
    });
    return false;
  }
  console.warn(`skipped: ${problem}`);
  return true;
}
