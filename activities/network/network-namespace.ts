/**
 * A network namespace for confined tasks that reaches nothing by itself: only a loopback, on which
 * the worker listens. A short-lived helper, started under bubblewrap with a user and a network
 * namespace of its own, opens the listening sockets inside it and hands them to the worker over
 * Node's IPC channel; the worker then holds the namespaces open by file descriptor, so the helper
 * exits at once and no process has to stay alive (nor can a recycled pid stand in for it). Every
 * task under the policy joins the namespace with util-linux's nsenter before its own bubblewrap; the
 * worker's process spawner joins it once and starts them there (process/spawner/), where a proxy
 * process per task would cost tens of milliseconds.
 *
 * The helper runs without `--dev`: with it, an unprivileged user could not join the namespace
 * afterwards (nsenter: reassociate to ns/net: Operation not permitted; bubblewrap 0.8 and 0.11).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import { execa } from 'execa';
import { releasePlace } from '../process/spawner/spawner-client.js';

/** Long enough for a loaded machine to start bubblewrap and Node once; a hang is said, not waited out. */
const OPEN_TIMEOUT_MS = 20_000;

export interface Listener {
  host: string;
  /** 0: any free port. */
  port: number;
}

export interface NetworkNamespace {
  /** nsenter's arguments that run a command (after them) inside the namespace. */
  readonly enter: readonly string[];
  /** The port each listener got, in order. */
  readonly ports: readonly number[];
  close(): void;
}

/**
 * Runs in the helper: listens on each address in turn (fixed ports first, so an ephemeral one cannot
 * take theirs) and sends each listening socket to the worker, then waits to be let go.
 */
const HELPER = `
const net = require('net');
const listeners = JSON.parse(process.argv[1]);
process.send({ pid: process.pid });
const next = (i) => {
  if (i === listeners.length) return;
  const server = net.createServer();
  server.once('error', (error) => { process.send({ index: i, error: error.code || String(error) }); next(i + 1); });
  server.listen({ host: listeners[i].host, port: listeners[i].port }, () =>
    process.send({ index: i, port: server.address().port }, server, () => { server.close(); next(i + 1); }));
};
next(0);
process.on('disconnect', () => process.exit(0));
`;

interface HelperMessage {
  pid?: number;
  index?: number;
  port?: number;
  error?: string;
}

/**
 * Opens the namespace with `listeners` inside it; `onConnection` gets each connection a task opens
 * to listener `index`. Listeners that cannot be opened (an IPv6 loopback on a host without IPv6)
 * get port 0 and are left out. Rejects with a sentence when the namespace cannot be made.
 */
export async function openNetworkNamespace(options: {
  bwrap: string;
  nsenter: string;
  listeners: readonly Listener[];
  onConnection: (index: number, socket: net.Socket) => void;
}): Promise<NetworkNamespace> {
  const { listeners } = options;
  const helper = spawn(
    options.bwrap,
    [
      '--unshare-user',
      '--unshare-net',
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--',
      process.execPath,
      '-e',
      HELPER,
      JSON.stringify(listeners),
    ],
    // Nothing of the worker's environment: a NODE_OPTIONS with --inspect would open a debugger in there.
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: {} },
  );
  let stderr = '';
  helper.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2_000)));
  const servers: net.Server[] = [];
  const fds: number[] = [];
  let enter: string[] | undefined;
  const close = () => {
    // Its spawner first: the descriptor paths that name this namespace may name another one later.
    if (enter) releasePlace({ nsenter: options.nsenter, enter });
    for (const server of servers) server.close();
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    if (helper.connected) helper.disconnect();
  };
  try {
    const ports = await receiveSockets(helper, listeners.length, (message, server) => {
      if (message.pid !== undefined) {
        // Held by descriptor: the namespaces outlive the helper, and no other process can take their place.
        fds.push(fs.openSync(`/proc/${message.pid}/ns/user`, 'r'), fs.openSync(`/proc/${message.pid}/ns/net`, 'r'));
      } else if (server && message.index !== undefined) {
        const index = message.index;
        server.on('connection', (socket: net.Socket) => options.onConnection(index, socket));
        server.unref();
        servers.push(server);
      }
    });
    helper.disconnect();
    const [user, netns] = fds as [number, number];
    enter = [
      `--user=/proc/${process.pid}/fd/${user}`,
      `--net=/proc/${process.pid}/fd/${netns}`,
      '--preserve-credentials',
      '--',
    ];
    // nsenter must be able to join (an old util-linux, a host that forbids it): found out once, here.
    const trial = await execa(options.nsenter, [...enter, 'true'], { reject: false, timeout: OPEN_TIMEOUT_MS });
    if (trial.exitCode !== 0)
      throw new Error(`${options.nsenter} cannot join it: ${lastLine(trial.stderr) || trial.shortMessage}`);
    return { enter, ports, close };
  } catch (error) {
    close();
    helper.kill('SIGKILL');
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why}${stderr.trim() ? ` (${lastLine(stderr)})` : ''}`);
  }
}

function receiveSockets(
  helper: ChildProcess,
  count: number,
  onMessage: (message: HelperMessage, server: net.Server | undefined) => void,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const ports = Array<number>(count).fill(0);
    let received = 0;
    let pid = false;
    const timer = setTimeout(
      () => finish(new Error(`the network helper did not hand over its sockets within ${OPEN_TIMEOUT_MS / 1000}s`)),
      OPEN_TIMEOUT_MS,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      helper.off('message', onHelperMessage);
      helper.off('exit', onExit);
      helper.off('error', onError);
      if (error) reject(error);
      else resolve(ports);
    };
    const onHelperMessage = (message: HelperMessage, server: net.Server | undefined) => {
      try {
        onMessage(message, server);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (message.pid !== undefined) pid = true;
      if (message.index !== undefined) {
        ports[message.index] = message.port ?? 0;
        received++;
      }
      if (pid && received === count) finish();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`the network helper exited (code ${code}) before it was ready`));
    const onError = (error: Error) => finish(new Error(`the network helper could not start: ${error.message}`));
    helper.on('message', onHelperMessage);
    helper.once('exit', onExit);
    helper.once('error', onError);
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
