/**
 * How the embedded server is found, started and recorded; the public entry points are in
 * dev-server.ts (ensure, stop) and dev-server-foreground.ts (`todone server`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { SetupError } from '../src/errors.js';
import {
  logTail,
  markStopped,
  readRecord,
  rotateLog,
  toInfo,
  writeRecord,
  type DevServerInfo,
  type DevServerOptions,
  type DevServerPaths,
  type DevServerRecord,
} from './dev-server-state.js';
import { serverAnswers, waitUntilServing } from './health.js';
import { freePort, isPortFree, LOOPBACK } from './ports.js';
import { isRunning, terminate } from '../src/util/processes.js';
import { isDevServerProcess } from './processes.js';
import { startSdkDevServer, type SdkDevServer } from './sdk-dev-server.js';
import { locateTemporalCli, TEMPORAL_CLI_ENV } from './temporal-cli.js';
import { ensureTool } from '../src/tools/provision.js';
import { toolsDir } from '../src/tools/tools-dir.js';

const DEFAULT_PORT = 7233;
const DEFAULT_UI_PORT = 8233;
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** SDK fallback servers started by this process, by state folder; they die with it. */
const inProcessServers = new Map<string, { info: DevServerInfo; server: SdkDevServer }>();

export function inProcessServer(paths: DevServerPaths): DevServerInfo | undefined {
  return inProcessServers.get(paths.dir)?.info;
}

export async function stopInProcessServer(paths: DevServerPaths): Promise<boolean> {
  const mine = inProcessServers.get(paths.dir);
  if (!mine) return false;
  inProcessServers.delete(paths.dir);
  await mine.server.teardown();
  await markStopped(paths, process.pid);
  return true;
}

/** The recorded server if it is ours, alive and answering now; no waiting. */
export async function findAnswering(paths: DevServerPaths): Promise<DevServerInfo | undefined> {
  const record = await readRecord(paths);
  if (!record || record.stoppedAt || !isOurs(record, paths)) return undefined;
  return (await serverAnswers(record.address)) ? toInfo(record, true) : undefined;
}

/**
 * Under the start lock: a recorded server that is ours gets time to finish starting (its starter may
 * have been killed mid-start). One that stays silent is stopped, because a second server must not
 * open the same database.
 */
export async function recoverExisting(
  paths: DevServerPaths,
  startTimeoutMs: number,
): Promise<DevServerInfo | undefined> {
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

export interface Ports {
  port: number;
  uiPort: number;
  /** Chosen by us (not asked for), so another pick is allowed if someone grabs them first. */
  auto: boolean;
}

export async function choosePorts(opts: DevServerOptions, previous: DevServerRecord | undefined): Promise<Ports> {
  for (const [name, value] of [
    ['port', opts.port],
    ['uiPort', opts.uiPort],
  ] as const) {
    if (value !== undefined && !(await isPortFree(value))) {
      throw new SetupError(
        `Cannot start the Temporal dev server: ${name} ${value} on ${LOOPBACK} is in use by another program.`,
      );
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
  return freePort(taken);
}

export function serverArgs(dbFile: string, ports: Ports, namespaces: string[] = []): string[] {
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

export function newRecord(
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

export async function startDetached(
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
    // Ports picked by probing can be taken before the server binds them, and the server also binds
    // random ports of its own (HTTP API, metrics, internal services): on a clash, try again, with
    // new ports when they were ours to choose.
    if (attempt <= 2 && /address already in use|bind:/i.test(result.startLog)) {
      if (ports.auto) ports = await randomPorts(opts);
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
): Promise<{ info: DevServerInfo } | { reason: string; tail: string; startLog: string }> {
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
    const reason =
      exit === undefined
        ? `did not answer within ${startTimeoutMs / 1000} s, so it was stopped`
        : `stopped before it answered: ${exit}`;
    if (exit === undefined) await terminate(record.pid);
    await markStopped(paths, record.pid);
    const startLog = await logTail(paths.logFile, 2_000, 256 * 1024);
    return { reason, tail: summariseCrash(startLog), startLog };
  }
  const readyRecord = { ...record, readyAt: new Date().toISOString() };
  await writeRecord(paths, readyRecord);
  return { info: toInfo(readyRecord, false) };
}

export function spawned(child: ChildProcess, cliPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SetupError(`Cannot run the Temporal CLI at ${cliPath}: ${error.code ?? error.message}.`)),
    );
  });
}

export async function startInProcess(
  paths: DevServerPaths,
  opts: DevServerOptions,
  previous: DevServerRecord | undefined,
  fetchError?: string,
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
    throw new SetupError(noServerMessage(error instanceof Error ? error.message : String(error), fetchError));
  }
  const record = newRecord(process.pid, 'temporal (downloaded by the Temporal SDK)', paths, ports, {
    inProcess: true,
    address: server.address,
    readyAt: new Date().toISOString(),
  });
  await writeRecord(paths, record);
  const info = toInfo(record, false);
  inProcessServers.set(paths.dir, { info, server });
  return info;
}

function noServerMessage(downloadError: string, fetchError: string | undefined): string {
  return [
    'No Temporal server is configured and no Temporal CLI was found to start the embedded one.',
    `Looked at ${TEMPORAL_CLI_ENV}, \`temporal\` on PATH and the tools folder ${toolsDir()}.`,
    ...(fetchError ? [fetchError] : []),
    'Downloading it through the Temporal SDK failed too:',
    indent(firstLine(downloadError)),
    'Or set TEMPORAL_ADDRESS=host:port to use a Temporal server you already run.',
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

/** A Go panic ends in a long stack trace: keep its first lines (the reason) and the log's end. */
function summariseCrash(log: string): string {
  const lines = log.split('\n');
  const panicAt = lines.findIndex((line) => /^(panic|fatal error):/.test(line));
  if (panicAt < 0) return lines.slice(-25).join('\n');
  return [...lines.slice(panicAt, panicAt + 6), '    …'].join('\n');
}

/** The Temporal CLI, fetched into the tools folder when it is nowhere; why not, when that fails too. */
export async function findOrFetchCli(opts: DevServerOptions): Promise<{ path?: string; fetchError?: string }> {
  const found = await locateTemporalCli({ env: opts.env });
  if (found) return { path: found.path };
  try {
    return { path: (await ensureTool('temporal', { env: opts.env, say: opts.say })).path };
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    return { fetchError: error.message };
  }
}
