/**
 * The fault injector: every few seconds (drawn from the seed) one fault, of a kind drawn from the
 * seed among those that have a target at that moment. Recoveries (a worker started again, SIGCONT,
 * a disk emptied, the server restarted) run in the background, and their target takes no other
 * fault until they are done. Every fault goes into the journal with its time and target, which the
 * invariant checker uses to tell which executions a fault hit.
 */
import fs from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { HEARTBEAT_TIMEOUT_MS } from './board.js';
import type { FaultKind } from './fault-kinds.js';
import type { Fleet, WorkerSlot } from './fleet.js';
import { fillDisk, freeDisk } from './quota.js';
import type { Random } from './random.js';
import { runningAgents, taskWorktrees } from './targets.js';

export interface Fault {
  /** Epoch ms when it was injected. */
  at: number;
  kind: FaultKind;
  /** The worker it hit (worker faults, disk-full, worktree-remove). */
  worker?: string;
  boardId?: string;
  taskId?: string;
  /** How long the target was meant to stay stopped or full (ms), as drawn. */
  heldMs?: number;
  /**
   * Epoch ms when the target was whole again (worker back, disk emptied, server up): a fault lasts
   * from `at` to this, which is later than `at + heldMs` by the time filling and freeing took.
   */
  until?: number;
}

export interface SubmitterControl {
  /** SIGKILLs the current submitter; false when none is running. The round starts it again. */
  kill(): Promise<boolean>;
}

export interface InjectorOptions {
  fleet: Fleet;
  random: Random;
  kinds: readonly FaultKind[];
  everyMs: number;
  /** The run's executions folder: its agents' command lines name it (runningAgents). */
  executions: string;
  submitter: SubmitterControl;
  log: (line: string) => void;
}

/** How long a worker or the server may take to come back before the run gives up on it. */
const RECOVERY_MS = 90_000;

export class Injector {
  readonly journal: Fault[] = [];
  /** Targets recovering from a fault: worker names, 'server', 'submitter'. */
  private readonly busy = new Set<string>();
  private readonly recoveries = new Set<Promise<void>>();
  /** Kinds drawn when they had no target (every worker busy recovering, no agent running), by kind. */
  readonly untargeted = new Map<FaultKind, number>();
  /** A recovery that failed for good: the run cannot go on. */
  failure: Error | undefined;

  constructor(private readonly o: InjectorOptions) {}

  /** Injects faults until `until` (epoch ms), or until a recovery failed. */
  async run(until: number): Promise<void> {
    const { random, everyMs } = this.o;
    for (;;) {
      const gap = random.between(0.5 * everyMs, 1.5 * everyMs);
      if (Date.now() + gap >= until || this.failure) return;
      await delay(gap);
      await this.injectOne();
    }
  }

  /** Waits for every recovery under way (workers back, disks emptied, the server up). */
  async settle(): Promise<void> {
    while (this.recoveries.size > 0) await Promise.all(this.recoveries);
    if (this.failure) throw this.failure;
  }

  private async injectOne(): Promise<void> {
    const candidates = [...this.o.kinds];
    // Drawn in order from the seed; a kind with no target now gives way to another.
    while (candidates.length > 0) {
      const kind = this.o.random.pick(candidates);
      const fault = await this.inject(kind);
      if (fault) {
        this.journal.push(fault);
        this.o.log(
          `${new Date(fault.at).toISOString().slice(11, 23)} fault ${this.journal.length}: ${kind}` +
            `${fault.worker ? ` on ${fault.worker}` : ''}${fault.taskId ? ` (${fault.boardId}/${fault.taskId})` : ''}`,
        );
        return;
      }
      this.untargeted.set(kind, (this.untargeted.get(kind) ?? 0) + 1);
      candidates.splice(candidates.indexOf(kind), 1);
    }
  }

  /**
   * The fault, injected; undefined when it has no target right now. Its time is when it lands, not
   * when it was drawn: waiting for a target can take a gap, and the checker matches it to task runs.
   */
  private async inject(kind: FaultKind): Promise<Fault | undefined> {
    const { fleet, random } = this.o;
    switch (kind) {
      case 'worker-kill': {
        const slot = await this.idleWorker();
        if (!slot) return undefined;
        const at = Date.now();
        return this.recover(slot.name, { at, kind, worker: slot.name }, async () => {
          await slot.member.kill();
          await restartWorker(slot);
        });
      }
      case 'worker-stop': {
        const slot = await this.idleWorker();
        if (!slot) return undefined;
        // Past the heartbeat timeout always; past the time after which its queue's steps are given up
        // on (lostWorkerAfterMs: 10 s here) about half the time, so it is also taken for lost.
        const heldMs = Math.round(HEARTBEAT_TIMEOUT_MS + random.between(1_000, 11_000));
        const at = Date.now();
        if (!slot.member.signal('SIGSTOP')) return undefined;
        return this.recover(slot.name, { at, kind, worker: slot.name, heldMs }, async () => {
          await delay(heldMs);
          slot.member.signal('SIGCONT');
        });
      }
      case 'submitter-kill': {
        const at = Date.now();
        if (this.busy.has('submitter') || !(await this.o.submitter.kill())) return undefined;
        return { at, kind };
      }
      case 'server-kill': {
        if (this.busy.has('server')) return undefined;
        const at = Date.now();
        await fleet.killServer();
        return this.recover('server', { at, kind }, () =>
          retrying('the dev server to restart', () => fleet.restartServer()),
        );
      }
      case 'disk-full': {
        const slot = await this.idleWorker((w) => w.quota);
        if (!slot) return undefined;
        const heldMs = Math.round(random.between(2_000, 5_000));
        this.busy.add(slot.name);
        const at = Date.now();
        await fillDisk(slot.home);
        return this.recover(slot.name, { at, kind, worker: slot.name, heldMs }, async () => {
          await delay(heldMs);
          await freeDisk(slot.home);
        });
      }
      case 'worktree-remove': {
        const worktrees = await soon(
          () => taskWorktrees(fleet.workers.filter((w) => !this.busy.has(w.name))),
          this.o.everyMs,
        );
        if (worktrees.length === 0) return undefined;
        const target = random.pick(worktrees);
        const at = Date.now();
        await fs.rm(target.path, { recursive: true, force: true });
        return { at, kind, worker: target.worker, boardId: target.boardId, taskId: target.taskId };
      }
      case 'agent-kill': {
        // An agent runs for a second or two of its task's life: wait a little for one.
        const agents = await soon(() => runningAgents(this.o.executions), this.o.everyMs);
        if (agents.length === 0) return undefined;
        const target = random.pick(agents);
        const at = Date.now();
        try {
          process.kill(-target.pgid, 'SIGKILL');
        } catch {
          return undefined;
        }
        return { at, kind, boardId: target.boardId, taskId: target.taskId };
      }
    }
  }

  /** A live worker no recovery is working on (waiting a little for one), drawn from the seed. */
  private async idleWorker(filter: (w: WorkerSlot) => boolean = () => true): Promise<WorkerSlot | undefined> {
    const idle = await soon(
      () => this.o.fleet.workers.filter((w) => !this.busy.has(w.name) && w.member.alive && filter(w)),
      this.o.everyMs,
    );
    return idle.length > 0 ? this.o.random.pick(idle) : undefined;
  }

  /** Starts the target's recovery in the background; the fault's `until` is set when it is done. */
  private recover(target: string, fault: Fault, work: () => Promise<void>): Fault {
    this.busy.add(target);
    const done: Promise<void> = work()
      .then(() => {
        fault.until = Date.now();
      })
      .catch((error: unknown) => {
        this.failure ??= new Error(
          `${target} did not recover: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        this.busy.delete(target);
        this.recoveries.delete(done);
      });
    this.recoveries.add(done);
    return fault;
  }
}

/** Starts the worker again; while the server is down it cannot connect, so it is tried until it can. */
async function restartWorker(slot: WorkerSlot): Promise<void> {
  await retrying(`worker ${slot.name} to start again`, () => slot.member.start());
}

/** The first non-empty answer of `probe` within `ms`, or the empty one. */
async function soon<T>(probe: () => Promise<T[]> | T[], ms: number): Promise<T[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found.length > 0 || Date.now() > deadline) return found;
    await delay(100);
  }
}

async function retrying(what: string, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + RECOVERY_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`gave up after ${RECOVERY_MS / 1000} s waiting for ${what}: ${String(error)}`);
      await delay(1_000);
    }
  }
}
