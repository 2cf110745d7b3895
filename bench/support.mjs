// What the Temporal benches share: one embedded dev server in a temp data folder, clients and
// workers on it built from dist/ the way `todone run` builds them, boards written as files and
// loaded by the real loader, and a sampler of this process's peak RSS.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import getPort from 'get-port';

// BENCH_DIST runs another build (a clean checkout's dist/) with these bench scripts.
export const DIST = process.env.BENCH_DIST
  ? path.resolve(process.env.BENCH_DIST)
  : fileURLToPath(new URL('../dist/', import.meta.url));

async function load(relative, distDir = DIST) {
  return import(pathToFileURL(path.join(distDir, relative)).href).catch((error) => {
    throw new Error(`cannot load ${path.join(distDir, relative)}: run \`npm run build\` first (${error.message})`);
  });
}

/**
 * Todone's worker and client from a build: this tree's dist/ by default, or another build (say,
 * of the previous commit) to compare two versions side by side in one run.
 */
export async function loadTodone(distDir = DIST) {
  const [{ createTodoneWorker }, { BoardClient }] = await Promise.all([
    load('worker/create-worker.js', distDir),
    load('src/client/board-client.js', distDir),
  ]);
  return { createTodoneWorker, BoardClient, distDir };
}

export const { resolveConnection, connectClient, connectWorkerConnection } = await load('temporal/connection.js');
export const { stopDevServer } = await load('temporal/dev-server.js');
export const { installRuntime } = await load('worker/runtime.js');
export const { loadBoardFile } = await load('src/board/load.js');

/** A dev server of our own (free ports, temp state), and a client and native connection to it. */
export async function openBench(prefix) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `todone-bench-${prefix}-`));
  const home = path.join(dir, 'home');
  const env = { ...process.env, TEMPORAL_ADDRESS: undefined, TODONE_HOME: home };
  const target = await resolveConnection({
    env,
    dataDir: home,
    devServer: { port: await getPort(), uiPort: await getPort() },
  });
  const { client, connection } = await connectClient(target);
  installRuntime();
  const native = await connectWorkerConnection(target);
  return {
    dir,
    home,
    target,
    client,
    native,
    /** A Todone worker on `taskQueue`, exactly as `todone run` creates it. */
    todoneWorker: (todone, taskQueue) =>
      todone.createTodoneWorker({
        connection: native,
        namespace: target.namespace,
        taskQueue,
        home,
        dataConverter: target.dataConverter,
      }),
    async close() {
      await native.close();
      await connection.close();
      await stopDevServer(home).catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `yaml` as a board file in its own folder (the board's workdir) and loads it. */
export async function boardFromYaml(bench, name, yaml) {
  const folder = path.join(bench.dir, name);
  await fs.mkdir(folder, { recursive: true });
  const file = path.join(folder, 'board.yaml');
  await fs.writeFile(file, yaml);
  return loadBoardFile(file, { home: bench.home });
}

/** Starts the board on a fresh queue served by a Todone worker in this process; resolves with its timing. */
export async function runTodoneBoard(bench, board, todone, tuning = {}) {
  todone ??= await loadTodone();
  const taskQueue = `bench-${board.id}-${Date.now()}`;
  const worker = await bench.todoneWorker(todone, taskQueue);
  const boards = new todone.BoardClient(bench.client, taskQueue);
  return worker.runUntil(async () => {
    const started = performance.now();
    const { handle } = await boards.startOrAttach(board, tuning);
    const result = await handle.result();
    return { ms: performance.now() - started, result, handle };
  });
}

/** A worker polling in the background until `stop()`; boards started on its queue run on it. */
export function serve(worker) {
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** Samples this process's RSS every `everyMs`; `stop()` returns the peak in bytes. */
export function sampleRss(everyMs = 200) {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** CPU time used so far, in ms: this process (all its threads: worker, workflow threads, client) and the dev server's. */
export function cpuNow(bench) {
  const own = process.cpuUsage();
  let server = 0;
  try {
    const stat = readFileSync(`/proc/${bench.target.embedded?.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15), in clock ticks of 10 ms.
    server = (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    // No /proc, or a server that is not ours to look at.
  }
  return { worker: (own.user + own.system) / 1000, server };
}

export function machine() {
  const [one, five] = os.loadavg();
  return `${os.cpus().length} cores, load ${one.toFixed(2)} / ${five.toFixed(2)} (1 / 5 min), Node ${process.version}`;
}

export const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
