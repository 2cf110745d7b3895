/**
 * Fetching a run-time tool into the per-user tools folder, with real pip against a local wheel
 * (PIP_NO_INDEX and PIP_FIND_LINKS: nothing reaches PyPI): found, fetched once, never half there.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.js';
import type { ToolSpec } from '../../src/tools/catalog.js';
import { locateTool } from '../../src/tools/locate.js';
import { ensureSpec } from '../../src/tools/provision.js';
import { toolBinary } from '../../src/tools/tools-dir.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-tools-'));
  dirs.push(dir);
  return dir;
}

const spec = (version: string): ToolSpec => ({
  title: 'the fake tool',
  pipPackage: 'todone-fake-tool',
  version,
  binary: 'todone_fake_tool/_bin/fake',
  envVar: 'TODONE_FAKE_TOOL',
  pathName: 'todone-fake-tool',
  manualInstall: 'install the fake tool by hand',
});

/** A folder pip can install from, holding one wheel whose binary prints `script`'s output. */
async function wheelhouse(version: string, script: string): Promise<string> {
  const dir = await tempDir();
  const maker = path.resolve(import.meta.dirname, '../fixtures/python/make_wheel.py');
  execFileSync('python3', [maker, dir, 'todone-fake-tool', version, 'todone_fake_tool/_bin/fake', script]);
  return dir;
}

function offlineEnv(wheels: string, tools: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: process.env.PATH,
    PIP_NO_INDEX: '1',
    PIP_FIND_LINKS: wheels,
    TODONE_TOOLS_DIR: tools,
  };
}

describe('the tools folder', () => {
  it('fetches a missing tool once into <tools>/<package>-<version>, and finds it there afterwards', async () => {
    const tools = await tempDir();
    const env = offlineEnv(await wheelhouse('1.0.0', '#!/bin/sh\necho fake 1.0.0\n'), tools);
    const said: string[] = [];
    const say = (line: string) => said.push(line);

    // Two callers at once (two tasks starting together) share one fetch.
    const [first, second] = await Promise.all([
      ensureSpec(spec('1.0.0'), { env, say }),
      ensureSpec(spec('1.0.0'), { env, say }),
    ]);
    expect(first).toEqual({ path: toolBinary(spec('1.0.0'), env), source: 'tools' });
    expect(second).toEqual(first);
    expect(said.filter((line) => line.startsWith('Fetching'))).toHaveLength(1);
    expect(execFileSync(first.path, ['--version'], { encoding: 'utf8' })).toBe('fake 1.0.0\n');

    said.length = 0;
    expect(await ensureSpec(spec('1.0.0'), { env, say })).toEqual(first);
    expect(said, 'a tool already in the folder is not fetched again').toEqual([]);
    // Nothing but the finished version is left in the folder.
    expect(await fs.readdir(tools)).toEqual(['todone-fake-tool-1.0.0']);
  });

  it('keeps versions side by side: a new pin fetches its own copy and leaves the old one', async () => {
    const tools = await tempDir();
    await ensureSpec(spec('1.0.0'), { env: offlineEnv(await wheelhouse('1.0.0', '#!/bin/sh\necho one\n'), tools) });
    await ensureSpec(spec('2.0.0'), { env: offlineEnv(await wheelhouse('2.0.0', '#!/bin/sh\necho two\n'), tools) });
    expect((await fs.readdir(tools)).sort()).toEqual(['todone-fake-tool-1.0.0', 'todone-fake-tool-2.0.0']);
  });

  it('prefers its variable, then PATH, over the tools folder; a wrong variable is refused by name', async () => {
    const tools = await tempDir();
    const env = offlineEnv(await wheelhouse('1.0.0', '#!/bin/sh\necho fake\n'), tools);
    await ensureSpec(spec('1.0.0'), { env });
    const bin = await tempDir();
    const onPath = path.join(bin, 'todone-fake-tool');
    await fs.writeFile(onPath, '#!/bin/sh\necho on path\n', { mode: 0o755 });
    expect(await locateTool(spec('1.0.0'), { ...env, PATH: bin })).toEqual({ path: onPath, source: 'path' });
    expect(await locateTool(spec('1.0.0'), { ...env, PATH: bin, TODONE_FAKE_TOOL: onPath })).toEqual({
      path: onPath,
      source: 'env',
    });
    await expect(locateTool(spec('1.0.0'), { ...env, TODONE_FAKE_TOOL: path.join(bin, 'nope') })).rejects.toThrow(
      /^TODONE_FAKE_TOOL is set to .*nope, which is not an executable file/,
    );
  });

  it('says what to do when pip cannot fetch it, and leaves nothing half-installed', async () => {
    const tools = await tempDir();
    const env = offlineEnv(await tempDir(), tools); // an empty wheelhouse: pip finds nothing
    const error = await ensureSpec(spec('1.0.0'), { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toMatch(
      /^Todone needs the fake tool and could not fetch it: `python3 -m pip install todone-fake-tool==1.0.0` failed: .*\nFix: make `python3 -m pip install todone-fake-tool==1.0.0` work .*, or install the fake tool by hand, or set TODONE_FAKE_TOOL=\/path\/to\/todone-fake-tool\.$/s,
    );
    expect(await fs.readdir(tools)).toEqual([]);

    const noPython = await ensureSpec(spec('1.0.0'), { env, python: path.join(tools, 'no-python') }).catch(
      (e: unknown) => e,
    );
    expect((noPython as Error).message).toMatch(/could not fetch it: .*no-python is not installed\./);
  });

  it('refuses a fetched binary that does not run here, and keeps nothing of it', async () => {
    const tools = await tempDir();
    const env = offlineEnv(await wheelhouse('1.0.0', '#!/bin/sh\necho broken >&2\nexit 3\n'), tools);
    const error = await ensureSpec(spec('1.0.0'), { env }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/the fetched .*\/fake does not run here \(broken\)/);
    expect(await fs.readdir(tools)).toEqual([]);
  });
});
