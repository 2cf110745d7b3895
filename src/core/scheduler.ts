/**
 * The board's state machine: which tasks may start, what a success releases, what a failure skips.
 * Pure and deterministic, so the workflow can drive it and tests can exercise it without Temporal.
 */
import type { BoardSpec, TaskSpec } from './board.js';
import { bLevels, buildGraph, topologicalOrder, topologicalWaves, transitiveDependents, type Graph } from './graph.js';
import { ReadyQueue, type Rank } from './ready-queue.js';
import type { TaskOutcome } from './outcome.js';
import { countTasks, isFinal, type BoardCounts, type TaskState, type TaskStatus } from './run-state.js';

const RECENT_LIMIT = 50;

export class BoardScheduler {
  readonly graph: Graph;
  private readonly status = new Map<string, TaskStatus>();
  private readonly waitingOn = new Map<string, number>();
  private readonly ready = new ReadyQueue<Rank>();
  private readonly levels: Map<string, number>;
  /** Waves policy only: index of each task's wave, and how many tasks of each wave are not final. */
  private readonly waveOf = new Map<string, number>();
  private readonly openInWave: number[] = [];
  private readonly waves: string[][];
  private releasedWave = 0;
  private runningCount = 0;
  /** Bumped on every change of a task's state: watchers ask for what changed since a number they saw. */
  private seq: number;
  private readonly changedAt = new Map<string, number>();
  /** The last tasks to end, newest last (bounded): what a summary of a big board shows. */
  private readonly recent: string[] = [];

  constructor(
    private readonly board: Pick<BoardSpec, 'tasks' | 'maxParallel' | 'policy'>,
    /** Statuses carried over from an earlier run of this workflow (continue-as-new). */
    carried: readonly TaskStatus[] = [],
    /** The change counter the earlier run reached: counting goes on from there. */
    carriedSeq = 0,
  ) {
    this.graph = buildGraph(board.tasks);
    this.levels = bLevels(this.graph);
    this.seq = carriedSeq;
    const waves = topologicalWaves(this.graph);
    this.waves = waves;
    waves.forEach((wave, index) => {
      this.openInWave[index] = wave.length;
      for (const id of wave) this.waveOf.set(id, index);
    });
    const carriedById = new Map(carried.map((t) => [t.id, t]));
    for (const task of board.tasks) {
      const previous = carriedById.get(task.id);
      // A task that was running when the state was carried is started again: its activity is gone.
      const status: TaskStatus =
        previous && isFinal(previous.state) ? { ...previous } : { id: task.id, state: 'pending', attempts: previous?.attempts ?? 0 };
      this.status.set(task.id, status);
      this.changedAt.set(task.id, carriedSeq);
    }
    for (const task of board.tasks) {
      if (isFinal(this.status.get(task.id)!.state)) this.closeInWave(task.id);
    }
    // Dependencies first, so a skip below a carried failure reaches the whole chain whatever the board order.
    for (const id of topologicalOrder(this.graph)) {
      if (this.status.get(id)!.state !== 'pending') continue;
      const task = this.graph.byId.get(id)!;
      const deps = new Set(task.dependsOn);
      let waiting = 0;
      for (const dep of deps) if (this.status.get(dep)!.state !== 'succeeded') waiting++;
      this.waitingOn.set(task.id, waiting);
      const blocker = [...deps].find((dep) => isBlocking(this.status.get(dep)!.state));
      if (blocker) this.skip(task.id, `dependency "${blocker}" ${this.status.get(blocker)!.state}`);
    }
    for (const task of board.tasks) this.enqueueIfReady(task.id);
  }

  get counts(): BoardCounts {
    return countTasks([...this.status.values()]);
  }

  get running(): number {
    return this.runningCount;
  }

  /** True when nothing is running and nothing more can start. */
  get done(): boolean {
    return this.runningCount === 0 && this.ready.size === 0;
  }

  task(id: string): TaskSpec | undefined {
    return this.graph.byId.get(id) as TaskSpec | undefined;
  }

  statusOf(id: string): TaskStatus | undefined {
    return this.status.get(id);
  }

  snapshot(): TaskStatus[] {
    return this.board.tasks.map((t) => ({ ...this.status.get(t.id)! }));
  }

  /** The change counter: every state change of a task takes the next number. */
  get changeSeq(): number {
    return this.seq;
  }

  /** Tasks whose state changed after `seq`, in board order. */
  changedSince(seq: number): TaskStatus[] {
    return this.board.tasks.filter((t) => this.changedAt.get(t.id)! > seq).map((t) => ({ ...this.status.get(t.id)! }));
  }

  /** The ids of the last tasks to end, newest last. */
  recentlyEnded(): readonly string[] {
    return this.recent;
  }

  /** Takes as many ready tasks as free slots allow, best rank first, and marks them running. */
  startNext(now: number): string[] {
    const started: string[] = [];
    while (this.runningCount < this.board.maxParallel && this.ready.size > 0) {
      const id = this.ready.pop()!.id;
      const status = this.status.get(id)!;
      if (status.state !== 'pending') continue;
      status.state = 'running';
      status.startedAt = now;
      this.touch(id);
      this.runningCount++;
      started.push(id);
    }
    return started;
  }

  succeed(id: string, outcome: TaskOutcome, now: number): void {
    this.finish(id, 'succeeded', outcome, now);
    for (const child of this.graph.dependents.get(id)!) {
      const left = this.waitingOn.get(child)! - 1;
      this.waitingOn.set(child, left);
      this.enqueueIfReady(child);
    }
  }

  /** Marks the task failed (or cancelled) and skips everything downstream; returns the skipped ids. */
  fail(id: string, state: 'failed' | 'conflicted' | 'cancelled', outcome: TaskOutcome, now: number): string[] {
    this.finish(id, state, outcome, now);
    const skipped: string[] = [];
    for (const dependent of transitiveDependents(this.graph, id)) {
      if (this.status.get(dependent)!.state !== 'pending') continue;
      this.skip(dependent, `dependency "${id}" ${state}`);
      skipped.push(dependent);
    }
    return skipped;
  }

  /** Cancels a task that has not started yet; running tasks are cancelled through their activity. */
  cancelPending(id: string, reason: string, now: number): string[] {
    const status = this.status.get(id);
    if (!status || status.state !== 'pending') return [];
    this.ready.removeWhere((item) => item.id === id);
    return [id, ...this.fail(id, 'cancelled', { attempts: status.attempts, reason }, now)];
  }

  /** Every task not yet started ends skipped with `reason` (e.g. the budget is spent). */
  skipAllPending(reason: string): string[] {
    const skipped: string[] = [];
    // Every queued task is pending, and every pending task ends here: empty the queue at once.
    this.ready.clear();
    for (const id of this.board.tasks.map((t) => t.id)) {
      if (this.status.get(id)!.state !== 'pending') continue;
      this.skip(id, reason);
      skipped.push(id);
    }
    return skipped;
  }

  /** Board cancellation: every task not yet started ends cancelled. */
  cancelAllPending(reason: string, now: number): void {
    this.ready.clear();
    for (const id of this.board.tasks.map((t) => t.id)) {
      const status = this.status.get(id)!;
      if (status.state !== 'pending') continue;
      this.finish(id, 'cancelled', { attempts: status.attempts, reason }, now, false);
    }
  }

  private finish(id: string, state: TaskState, outcome: TaskOutcome, now: number, wasRunning = true): void {
    const previous = this.status.get(id)!;
    if (wasRunning && previous.state === 'running') this.runningCount--;
    // The outcome replaces what an earlier run of the task left: every field it has reaches the status.
    this.status.set(id, {
      ...outcome,
      id,
      state,
      ...(previous.startedAt !== undefined ? { startedAt: previous.startedAt } : {}),
      endedAt: now,
    });
    this.touch(id);
    this.recent.push(id);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    this.closeInWave(id);
  }

  private touch(id: string): void {
    this.changedAt.set(id, ++this.seq);
  }

  private skip(id: string, reason: string): void {
    const status = this.status.get(id)!;
    status.state = 'skipped';
    status.reason = reason;
    this.touch(id);
    this.closeInWave(id);
  }

  private closeInWave(id: string): void {
    const wave = this.waveOf.get(id)!;
    this.openInWave[wave]!--;
    if (this.board.policy !== 'waves') return;
    // Level-by-level barrier: the next wave opens only when every task of the current one is final.
    while (this.releasedWave < this.openInWave.length && this.openInWave[this.releasedWave] === 0) {
      this.releasedWave++;
      for (const candidate of this.waves[this.releasedWave] ?? []) this.enqueueIfReady(candidate);
    }
  }

  private enqueueIfReady(id: string): void {
    const status = this.status.get(id)!;
    if (status.state !== 'pending' || this.waitingOn.get(id) !== 0) return;
    if (this.board.policy === 'waves' && this.waveOf.get(id)! > this.releasedWave) return;
    this.ready.push({ id, bLevel: this.levels.get(id)!, priority: this.graph.byId.get(id)!.priority });
  }
}

function isBlocking(state: TaskState): boolean {
  return state === 'failed' || state === 'conflicted' || state === 'skipped' || state === 'cancelled';
}
