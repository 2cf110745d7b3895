/**
 * A test-only tool the machine lacks: on CI (CI=true) the file that needs it fails with one
 * message naming it; elsewhere the file is skipped, saying why in one line. Both are checked on a
 * child vitest whose PATH has no docker-compose. Tools are found on PATH as a shell finds them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/git-layer.js';
import { onPath } from '../support/test-tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

afterAll(removeTempDirs);

/** The fixture file in a child vitest whose PATH holds only an empty folder. */
async function childRun(env: Record<string, string>) {
  const empty = await tempDir('todone-no-tools-');
  const run = await execa(
    process.execPath,
    [VITEST, 'run', '--config', 'tests/fixtures/test-tools/vitest.config.ts', '--no-color'],
    {
      cwd: ROOT,
      env: { PATH: empty, HOME: process.env.HOME ?? '/', ...env },
      extendEnv: false,
      reject: false,
      all: true,
    },
  );
  return { exitCode: run.exitCode, output: String(run.all) };
}

describe('a test-only tool that is missing', () => {
  it('fails every test of the file on CI, naming the tool', async () => {
    const { exitCode, output } = await childRun({ CI: 'true' });
    expect(exitCode, output).toBe(1);
    expect(output).toContain(
      'docker-compose is missing (apt-get install docker-compose): CI runs every test, so a test-only tool it lacks is a failure',
    );
    expect(output).not.toMatch(/1 passed/);
  });

  it('skips the file elsewhere, with one line saying why', async () => {
    const { exitCode, output } = await childRun({});
    expect(exitCode, output).toBe(0);
    expect(output.match(/skipped: docker-compose is missing \(apt-get install docker-compose\)/g)).toHaveLength(1);
    expect(output).toMatch(/1 skipped/);
  });
});

describe('finding a tool on PATH', () => {
  it('takes the first executable file of that name, in PATH order, past folders and files that cannot run', async () => {
    const root = await tempDir('todone-path-');
    const [dirA, dirB, dirC] = ['a', 'b', 'c'].map((d) => path.join(root, d));
    for (const dir of [dirA!, dirB!, dirC!]) await fs.mkdir(dir);
    await fs.writeFile(path.join(dirA!, 'chromium'), '#!/bin/sh\n', { mode: 0o644 });
    await fs.mkdir(path.join(dirB!, 'chromium'));
    await fs.writeFile(path.join(dirC!, 'chromium'), '#!/bin/sh\n', { mode: 0o755 });
    expect(onPath('chromium', [dirA, '', dirB, dirC].join(path.delimiter))).toBe(path.join(dirC!, 'chromium'));
    expect(onPath('chromium', [dirA, dirB].join(path.delimiter))).toBeUndefined();
  });
});
