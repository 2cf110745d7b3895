/**
 * The topology: a Temporal dev server with its own data folder, N `todone worker` processes on one
 * task queue, each with its own data folder (a tmpfs with a quota when the run may mount one; the
 * last worker offers the `special` capability), and a `todone run --no-worker` submitter per board
 * with a data folder of its own. Everything talks to the server by address, as a fleet would.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import getPort from 'get-port';
import { ensureDevServer, restartDevServer, stopDevServer, type DevServerInfo } from '../../temporal/dev-server.js';
import { isRunning } from '../../src/util/processes.js';
import { SPECIAL } from './board.js';
import { Member } from './member.js';
import { mountQuota, unmountQuota } from './quota.js';

export const WORKER_READY = /Todone worker polling task queue/;
/** A worker's data folder: its clone, worktrees, logs; small, so filling it is quick. */
const QUOTA_MB = 96;

export interface WorkerSlot {
  name: string;
  home: string;
  capability?: string;
  member: Member;
  /** Its data folder is a tmpfs of its own (disk faults need it). */
  quota: boolean;
  /** Highest resident set size seen, by start of the process. */
  peakRssMb: number;
}

export class Fleet {
  readonly queue = `chaos-${randomUUID().slice(0, 8)}`;
  readonly workers: WorkerSlot[] = [];
  server!: DevServerInfo;
  /** Workers that exited by themselves (each was started again): a worker must survive what it meets. */
  readonly ownExits: { worker: string; at: number; exit: string }[] = [];
  private closing = false;
  /** Why disk faults cannot run here, when they cannot. */
  quotaProblem: string | undefined;
  private sampler: NodeJS.Timeout | undefined;

  private constructor(
    readonly root: string,
    readonly remote: string,
  ) {}

  static async start(root: string, remote: string, workers: number): Promise<Fleet> {
    const fleet = new Fleet(root, remote);
    await fs.mkdir(path.join(root, 'logs'), { recursive: true });
    fleet.server = await ensureDevServer({
      dataDir: path.join(root, 'server'),
      port: await getPort(),
      uiPort: await getPort(),
    });
    for (let i = 1; i <= workers; i++) {
      const name = `w${i}`;
      const home = path.join(root, 'homes', name);
      const problem = await mountQuota(home, QUOTA_MB);
      fleet.quotaProblem ??= problem;
      const capability = workers > 1 && i === workers ? SPECIAL : undefined;
      fleet.workers.push({
        name,
        home,
        ...(capability ? { capability } : {}),
        quota: problem === undefined,
        peakRssMb: 0,
        member: new Member({
          name: `worker ${name}`,
          args: ['worker', ...(capability ? ['--capability', capability] : [])],
          env: fleet.env(home),
          logFile: path.join(root, 'logs', `${name}.log`),
          readyLine: WORKER_READY,
        }),
      });
    }
    for (const slot of fleet.workers) {
      slot.member.onOwnExit = (exit) => {
        if (fleet.closing) return;
        fleet.ownExits.push({ worker: slot.name, at: Date.now(), exit: String(exit.signal ?? exit.code) });
        // Started again so the run goes on; the report counts it as a violation.
        void slot.member.start().catch(() => undefined);
      };
    }
    await Promise.all(fleet.workers.map((w) => w.member.start()));
    fleet.sampler = setInterval(() => fleet.sampleMemory(), 1_000);
    return fleet;
  }

  /** What every member of the fleet is told: the server's address, its data folder, the queue. */
  env(home: string): Record<string, string> {
    return { TEMPORAL_ADDRESS: this.server.address, TODONE_HOME: home, TODONE_TASK_QUEUE: this.queue };
  }

  submitter(boardFile: string): Member {
    return new Member({
      name: 'the submitter',
      args: ['run', '--no-worker', '--json', boardFile],
      env: this.env(path.join(this.root, 'homes', 'submitter')),
      logFile: path.join(this.root, 'logs', 'submitter.log'),
    });
  }

  async killServer(): Promise<void> {
    const pid = this.server.pid;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 100 && isRunning(pid); i++) await delay(50);
  }

  async restartServer(): Promise<void> {
    this.server = await restartDevServer(this.server, { dataDir: path.join(this.root, 'server') });
  }

  private sampleMemory(): void {
    for (const slot of this.workers) {
      const pid = slot.member.pid;
      if (pid === undefined) continue;
      void fs
        .readFile(`/proc/${pid}/status`, 'utf8')
        .then((status) => {
          const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
          slot.peakRssMb = Math.max(slot.peakRssMb, Math.round(kb / 1024));
        })
        .catch(() => undefined);
    }
  }

  /** Stops the workers gracefully (SIGCONT first: one may be stopped) and the server; unmounts the quotas. */
  async stopWorkers(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.member.stop()));
  }

  /**
   * Stops everything and unmounts the quotas. With `saveLogs`, each worker's task logs (its data
   * folder's boards/: every attempt's output, prompt and checks) are copied to logs/<worker>-boards
   * first: a quota's folder is gone once unmounted, and they are the evidence of a broken invariant.
   */
  async close({ saveLogs = false } = {}): Promise<void> {
    this.closing = true;
    if (this.sampler) clearInterval(this.sampler);
    await Promise.all(this.workers.map((w) => w.member.stop()));
    await Promise.all(this.workers.map((w) => w.member.close()));
    await stopDevServer(path.join(this.root, 'server')).catch(() => undefined);
    for (const w of this.workers) {
      if (saveLogs)
        await fs
          .cp(path.join(w.home, 'boards'), path.join(this.root, 'logs', `${w.name}-boards`), { recursive: true })
          .catch(() => undefined);
      if (w.quota) await unmountQuota(w.home);
    }
  }
}
