/**
 * The board's state machine: which tasks may start, what a success releases, what a failure skips,
 * and how a running board is steered (tasks retried or added, the parallel limit changed).
 * Pure and deterministic, so the workflow can drive it and tests can exercise it without Temporal.
 */
import type { BoardSpec, TaskSpec } from './board.js';
import { bLevels, buildGraph, topologicalOrder, topologicalWaves, transitiveDependents, type Graph } from './graph.js';
import { ReadyQueue, type Rank } from './ready-queue.js';
import type { TaskOutcome } from './outcome.js';
import {
  countTasks,
  isFinal,
  MAX_DECISIONS,
  type ApprovalWait,
  type BoardCounts,
  type TaskDecision,
  type TaskState,
  type TaskStatus,
} from './run-state.js';

const RECENT_LIMIT = 50;
/** The change log's bound (changedSince): this many changes per task, and this many at least. */
export const CHANGES_KEPT_PER_TASK = 4;
export const CHANGES_KEPT_AT_LEAST = 64;

/** States a task can be retried from: it ran (or was about to) and did not succeed. */
export const RETRYABLE_STATES: readonly TaskState[] = ['failed', 'conflicted', 'cancelled'];

export class BoardScheduler {
  graph!: Graph;
  /** The graph in dependency order, computed once per change of the task list. */
  private order: string[] = [];
  private readonly tasks: TaskSpec[];
  private maxParallel: number;
  private readonly policy: BoardSpec['policy'];
  private readonly status = new Map<string, TaskStatus>();
  private readonly waitingOn = new Map<string, number>();
  private readonly ready = new ReadyQueue<Rank>();
  private levels!: Map<string, number>;
  /** Waves policy only: index of each task's wave, and how many tasks of each wave are not final. */
  private readonly waveOf = new Map<string, number>();
  private openInWave: number[] = [];
  private waves: string[][] = [];
  private releasedWave = 0;
  private runningCount = 0;
  /** Bumped on every change of a task's state: watchers ask for what changed since a number they saw. */
  private seq: number;
  private readonly changedAt = new Map<string, number>();
  /**
   * Every change since `logFloor`, oldest first: what `changedSince` reads, so a watcher's poll
   * costs what changed, not the whole board (a 10,000-task board is polled every 300 ms).
   */
  private changeLog: { id: string; seq: number }[] = [];
  /** The log holds every change numbered above this; an older number is answered by a full scan. */
  private logFloor: number;
  /** Each task's place in board order, which `changedSince` answers in. */
  private readonly position = new Map<string, number>();
  /** The last tasks to end, newest last (bounded): what a summary of a big board shows. */
  private readonly recent: string[] = [];
  /** Tasks waiting for a person's decision (state `awaiting-approval`): they hold no slot. */
  private readonly awaiting = new Set<string>();

  constructor(
    board: Pick<BoardSpec, 'tasks' | 'maxParallel' | 'policy'>,
    /** Statuses carried over from an earlier run of this workflow (continue-as-new, or a resumed board). */
    carried: readonly TaskStatus[] = [],
    /** The change counter the earlier run reached: counting goes on from there. */
    carriedSeq = 0,
    /**
     * What a task is asked to do, as a hash (resume.ts taskDefinition): recorded in its status when
     * it finishes, so a later run can tell what changed. Computed then, not up front: hashing a
     * 10,000-task board at once would cost the first activation most of its time.
     */
    private readonly define?: (task: TaskSpec) => string,
  ) {
    this.tasks = [...board.tasks];
    this.maxParallel = board.maxParallel;
    this.policy = board.policy;
    this.seq = carriedSeq;
    this.logFloor = carriedSeq;
    this.graph = buildGraph(this.tasks);
    const carriedById = new Map(carried.map((t) => [t.id, t]));
    for (const task of this.tasks) {
      const previous = carriedById.get(task.id);
      // A task that was running when the state was carried is started again: its activity is gone.
      // One waiting for a person goes on waiting, and one sent back keeps where its next run starts.
      const status: TaskStatus =
        previous && (isFinal(previous.state) || previous.state === 'awaiting-approval')
          ? { ...previous }
          : { ...sentBack(previous), id: task.id, state: 'pending', attempts: previous?.attempts ?? 0 };
      this.status.set(task.id, status);
      this.position.set(task.id, this.position.size);
      if (status.state === 'awaiting-approval') this.awaiting.add(task.id);
      this.changedAt.set(task.id, carriedSeq);
    }
    this.index();
    // Dependencies first, so a skip below a carried failure reaches the whole chain whatever the board order.
    for (const id of this.order) this.settlePending(id);
    for (const task of this.tasks) this.enqueueIfReady(task.id);
  }

  get counts(): BoardCounts {
    return countTasks([...this.status.values()]);
  }

  get running(): number {
    return this.runningCount;
  }

  get parallelLimit(): number {
    return this.maxParallel;
  }

  /** True when nothing is running, nothing waits for a person and nothing more can start. */
  get done(): boolean {
    return this.runningCount === 0 && this.ready.size === 0 && this.awaiting.size === 0;
  }

  /** Tasks waiting for a person's decision, in board order. */
  get awaitingApproval(): string[] {
    return this.tasks.filter((t) => this.awaiting.has(t.id)).map((t) => t.id);
  }

  /** Ids in board order (added tasks last). */
  get taskIds(): string[] {
    return this.tasks.map((t) => t.id);
  }

  task(id: string): TaskSpec | undefined {
    return this.graph.byId.get(id) as TaskSpec | undefined;
  }

  statusOf(id: string): TaskStatus | undefined {
    return this.status.get(id);
  }

  snapshot(): TaskStatus[] {
    return this.tasks.map((t) => ({ ...this.status.get(t.id)! }));
  }

  /** The change counter: every state change of a task takes the next number. */
  get changeSeq(): number {
    return this.seq;
  }

  /** Tasks whose state changed after `seq`, in board order. */
  changedSince(seq: number): TaskStatus[] {
    if (seq >= this.seq) return [];
    if (seq < this.logFloor)
      return this.tasks.filter((t) => this.changedAt.get(t.id)! > seq).map((t) => ({ ...this.status.get(t.id)! }));
    // The first change numbered above `seq`: the log is in number order.
    let low = 0;
    let high = this.changeLog.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.changeLog[middle]!.seq > seq) high = middle;
      else low = middle + 1;
    }
    const ids = new Set<string>();
    for (let i = low; i < this.changeLog.length; i++) ids.add(this.changeLog[i]!.id);
    return [...ids]
      .sort((a, b) => this.position.get(a)! - this.position.get(b)!)
      .map((id) => ({ ...this.status.get(id)! }));
  }

  /** The ids of the last tasks to end, newest last. */
  recentlyEnded(): readonly string[] {
    return this.recent;
  }

  /** Takes as many ready tasks as free slots allow, best rank first, and marks them running. */
  startNext(now: number): string[] {
    return this.startNextUntil(now).started;
  }

  /**
   * Like startNext, but stops at the first task in `stopBefore` (a breakpoint): that task stays
   * ready, nothing after it starts, and it is named in `stoppedAt`. A task whose gate asks for a
   * person's approval before it starts waits for it instead (`held`), without taking a slot.
   */
  startNextUntil(
    now: number,
    stopBefore?: ReadonlySet<string>,
  ): { started: string[]; held: string[]; stoppedAt?: string } {
    const started: string[] = [];
    const held: string[] = [];
    while (this.runningCount < this.maxParallel && this.ready.size > 0) {
      const next = this.ready.pop()!;
      const id = next.id;
      const status = this.status.get(id)!;
      if (status.state !== 'pending') continue;
      if (stopBefore?.has(id)) {
        this.ready.push(next);
        return { started, held, stoppedAt: id };
      }
      const gate = this.task(id)!.approval;
      if (gate?.before && !status.cleared) {
        this.hold(id, status, { gate: 'before', since: now, ...deadline(gate, now) });
        held.push(id);
        continue;
      }
      status.state = 'running';
      status.startedAt = now;
      const requires = this.task(id)!.requires;
      if (requires?.length) status.requires = requires;
      this.touch(id);
      this.runningCount++;
      started.push(id);
    }
    return { started, held };
  }

  /**
   * A running task's work passed its checks and waits for a person's approval before it is
   * integrated and its dependents start. It holds no slot while it waits; `outcome` is what it
   * produced (on a git board, its commit, kept on its branch).
   */
  awaitApproval(id: string, outcome: TaskOutcome, now: number): void {
    const previous = this.status.get(id)!;
    if (previous.state !== 'running') return;
    this.runningCount--;
    const gate = this.task(id)!.approval ?? { before: false };
    this.status.set(id, {
      ...acrossRounds(previous),
      ...outcome,
      id,
      state: 'pending',
      ...(previous.startedAt !== undefined ? { startedAt: previous.startedAt } : {}),
    });
    this.hold(id, this.status.get(id)!, { gate: 'after', since: now, ...deadline(gate, now) });
  }

  /**
   * A person (or the gate's deadline) approved a task waiting at its gate. Before its start: it is
   * ready to start. After its work: it is running again, to be integrated (the caller finishes it).
   */
  approve(id: string, now: number, decision: Omit<TaskDecision, 'at' | 'decision'> = {}): 'ready' | 'resumed' {
    const status = this.status.get(id)!;
    const gate = status.approval?.gate ?? 'after';
    this.decided(id, status, now, { ...decision, decision: 'approve' });
    if (gate === 'before') {
      status.state = 'pending';
      status.cleared = true;
      this.settlePending(id);
      this.enqueueIfReady(id);
      return 'ready';
    }
    status.state = 'running';
    this.runningCount++;
    return 'resumed';
  }

  /**
   * A person (or the deadline) rejected a task waiting at its gate. `final`: it fails, and its
   * dependents are skipped. Otherwise its work goes back to it: it runs again, on top of that work,
   * with the comment (`feedback`). Returns the tasks skipped.
   */
  reject(
    id: string,
    now: number,
    decision: Omit<TaskDecision, 'at' | 'decision'> & { reason: string },
    feedback: { from: string; comment: string } | undefined,
  ): string[] {
    const status = this.status.get(id)!;
    const { reason, ...said } = decision;
    this.decided(id, status, now, { ...said, decision: 'reject' });
    if (decision.final || !feedback) {
      const { state: _state, approval: _approval, cleared: _cleared, rework: _rework, ...outcome } = status;
      return this.fail(id, 'failed', { ...outcome, reason }, now);
    }
    const commit = status.commit;
    this.status.set(
      id,
      pendingAgain(status, status, {
        feedback,
        rework: commit?.changed ? { startSha: commit.sha, startBranch: commit.branch } : {},
      }),
    );
    this.settlePending(id);
    this.enqueueIfReady(id);
    return [];
  }

  /**
   * A task whose approved work conflicted on its way in runs again from the integration head, told
   * what conflicted (onConflict: retry), and waits for approval again.
   */
  reworkAfterConflict(id: string, outcome: TaskOutcome, conflictFiles: string[]): void {
    const status = this.status.get(id)!;
    if (status.state !== 'running') return;
    this.runningCount--;
    this.status.set(
      id,
      pendingAgain(status, outcome, { rework: { conflictFiles }, conflicts: (status.conflicts ?? 0) + 1 }),
    );
    this.touch(id);
    this.settlePending(id);
    this.enqueueIfReady(id);
  }

  /**
   * A review asked for changes: each task it reviewed runs again, on top of its work, with the
   * review's comment; the review waits for them and runs again (its next round). `outcome` is what
   * the review's run produced. Returns the tasks sent back.
   */
  requestChanges(
    reviewId: string,
    reviewed: readonly string[],
    outcome: TaskOutcome,
    comment: string,
    now: number,
  ): string[] {
    const review = this.status.get(reviewId)!;
    if (review.state !== 'running') return [];
    this.runningCount--;
    const round = review.round ?? 1;
    this.status.set(
      reviewId,
      pendingAgain(review, outcome, {
        ...(outcome.verdict ? { verdict: outcome.verdict } : {}),
        ...(review.startedAt !== undefined ? { startedAt: review.startedAt } : {}),
        round: round + 1,
      }),
    );
    this.touch(reviewId);
    const sent: string[] = [];
    for (const id of reviewed) {
      const status = this.status.get(id);
      if (status?.state !== 'succeeded') continue;
      const decisions = keepDecisions(status.decisions, {
        at: now,
        decision: 'changes',
        review: reviewId,
        comment,
      });
      this.status.set(
        id,
        pendingAgain(status, status, {
          decisions,
          round: (status.round ?? 1) + 1,
          feedback: { from: `review "${reviewId}" (round ${round})`, comment },
          rework: {},
        }),
      );
      const wave = this.waveOf.get(id)!;
      this.openInWave[wave] = (this.openInWave[wave] ?? 0) + 1;
      this.touch(id);
      sent.push(id);
    }
    // What depends on the work sent back waits for it again (the review among them).
    const waiting = new Set([reviewId, ...sent.flatMap((id) => [...this.graph.dependents.get(id)!])]);
    for (const id of this.order) if (waiting.has(id) || sent.includes(id)) this.settlePending(id);
    for (const id of sent) this.enqueueIfReady(id);
    this.enqueueIfReady(reviewId);
    return sent;
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

  /**
   * Cancels a task that has not started yet, or that waits for a person; running tasks are
   * cancelled through their activity.
   */
  cancelPending(id: string, reason: string, now: number): string[] {
    const status = this.status.get(id);
    if (!status || (status.state !== 'pending' && status.state !== 'awaiting-approval')) return [];
    this.ready.removeWhere((item) => item.id === id);
    this.awaiting.delete(id);
    return [id, ...this.fail(id, 'cancelled', { attempts: status.attempts, reason }, now)];
  }

  /** Every task not yet started ends skipped with `reason` (e.g. the budget is spent). */
  skipAllPending(reason: string): string[] {
    const skipped: string[] = [];
    // Every queued task is pending, and every pending task ends here: empty the queue at once.
    this.ready.clear();
    for (const { id } of this.tasks) {
      if (this.status.get(id)!.state !== 'pending') continue;
      this.skip(id, reason);
      skipped.push(id);
    }
    return skipped;
  }

  /** Board cancellation: every task not yet started, or waiting for a person, ends cancelled. */
  cancelAllPending(reason: string, now: number): void {
    this.ready.clear();
    this.awaiting.clear();
    for (const { id } of this.tasks) {
      const status = this.status.get(id)!;
      if (status.state !== 'pending' && status.state !== 'awaiting-approval') continue;
      this.finish(id, 'cancelled', { attempts: status.attempts, reason }, now, false);
    }
  }

  /**
   * Puts failed, conflicted or cancelled tasks back to pending with fresh attempts, and revives
   * the dependents they had skipped (those no other failure still blocks). Returns what changed.
   */
  retry(ids: readonly string[]): { retried: string[]; revived: string[] } {
    const retried: string[] = [];
    for (const id of ids) {
      const status = this.status.get(id);
      if (!status || !RETRYABLE_STATES.includes(status.state)) continue;
      this.reopen(id);
      retried.push(id);
    }
    const revived: string[] = [];
    const targets = new Set(retried.flatMap((id) => [...transitiveDependents(this.graph, id)]));
    for (const id of this.order) {
      const status = this.status.get(id)!;
      if (!targets.has(id) || status.state !== 'skipped' || !status.reason?.startsWith('dependency "')) continue;
      if (this.task(id)!.dependsOn.some((dep) => isBlocking(this.status.get(dep)!.state))) continue;
      this.reopen(id);
      revived.push(id);
    }
    for (const id of [...retried, ...revived]) this.settlePending(id);
    for (const id of [...retried, ...revived]) this.enqueueIfReady(id);
    return { retried, revived };
  }

  /**
   * Adds tasks to the running board (checked beforehand: ids new, dependencies known, no cycle).
   * A task whose dependency already failed is skipped at once; one whose dependencies succeeded
   * is ready.
   */
  add(tasks: readonly TaskSpec[]): void {
    for (const task of tasks) {
      this.tasks.push(task);
      this.position.set(task.id, this.position.size);
      this.status.set(task.id, { id: task.id, state: 'pending', attempts: 0 });
      this.touch(task.id);
    }
    this.index();
    const added = new Set(tasks.map((t) => t.id));
    for (const id of this.order) if (added.has(id)) this.settlePending(id);
    // Critical paths changed: rank the queue anew.
    this.ready.clear();
    for (const task of this.tasks) this.enqueueIfReady(task.id);
  }

  /**
   * Kept tasks (a resumed board) that cannot be kept after all, with every kept task that depends
   * on them: back to pending, to run in this run. Returns the ids reopened.
   */
  reopenKept(ids: readonly string[]): string[] {
    const targets = new Set(ids.flatMap((id) => [id, ...transitiveDependents(this.graph, id)]));
    const reopened = this.order.filter((id) => targets.has(id) && this.status.get(id)!.kept);
    for (const id of reopened) this.reopen(id);
    // What every pending task waits for changed: count again, and rank the queue anew.
    for (const id of this.order) this.settlePending(id);
    this.ready.clear();
    for (const task of this.tasks) this.enqueueIfReady(task.id);
    return reopened;
  }

  setMaxParallel(limit: number): void {
    this.maxParallel = limit;
  }

  private reopen(id: string): void {
    this.status.set(id, { id, state: 'pending', attempts: 0 });
    const wave = this.waveOf.get(id)!;
    this.openInWave[wave] = (this.openInWave[wave] ?? 0) + 1;
    this.touch(id);
  }

  /** A pending task: how many dependencies it waits for, or skipped when one of them cannot succeed. */
  private settlePending(id: string): void {
    if (this.status.get(id)!.state !== 'pending') return;
    const deps = new Set(this.task(id)!.dependsOn);
    let waiting = 0;
    for (const dep of deps) if (this.status.get(dep)!.state !== 'succeeded') waiting++;
    this.waitingOn.set(id, waiting);
    const blocker = [...deps].find((dep) => isBlocking(this.status.get(dep)!.state));
    if (blocker) this.skip(id, `dependency "${blocker}" ${this.status.get(blocker)!.state}`);
  }

  /** Graph, critical paths and waves for the current task list. */
  private index(): void {
    this.graph = buildGraph(this.tasks);
    this.order = topologicalOrder(this.graph);
    this.levels = bLevels(this.graph, this.order);
    this.waves = topologicalWaves(this.graph, this.order);
    this.openInWave = this.waves.map((wave) => wave.filter((id) => !isFinal(this.status.get(id)!.state)).length);
    this.waveOf.clear();
    this.waves.forEach((wave, index) => wave.forEach((id) => this.waveOf.set(id, index)));
    this.releaseWaves();
  }

  private finish(id: string, state: TaskState, outcome: TaskOutcome, now: number, wasRunning = true): void {
    const previous = this.status.get(id)!;
    if (wasRunning && previous.state === 'running') this.runningCount--;
    this.awaiting.delete(id);
    const definition = this.define?.(this.task(id)!);
    // The outcome replaces what an earlier run of the task left: every field it has reaches the
    // status. What people and reviews decided about it stays.
    this.status.set(id, {
      ...acrossRounds(previous),
      ...outcome,
      id,
      state,
      ...(definition ? { definition } : {}),
      ...(previous.startedAt !== undefined ? { startedAt: previous.startedAt } : {}),
      endedAt: now,
    });
    this.touch(id);
    this.recent.push(id);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    this.closeInWave(id);
  }

  /** The task waits for a person: no slot, not ready, not final. */
  private hold(id: string, status: TaskStatus, wait: ApprovalWait): void {
    status.state = 'awaiting-approval';
    status.approval = wait;
    this.awaiting.add(id);
    this.touch(id);
  }

  /** A decision on a task waiting at its gate: recorded, and the time it waited counted. */
  private decided(id: string, status: TaskStatus, now: number, decision: Omit<TaskDecision, 'at'>): void {
    const since = status.approval?.since ?? now;
    status.waitedMs = (status.waitedMs ?? 0) + Math.max(0, now - since);
    status.decisions = keepDecisions(status.decisions, { at: now, ...decision });
    delete status.approval;
    this.awaiting.delete(id);
    this.touch(id);
  }

  private touch(id: string): void {
    this.changedAt.set(id, ++this.seq);
    this.changeLog.push({ id, seq: this.seq });
    // Bounded: past a few changes per task the older half goes, and asks older than that scan.
    if (this.changeLog.length > CHANGES_KEPT_PER_TASK * this.tasks.length + CHANGES_KEPT_AT_LEAST) {
      this.changeLog = this.changeLog.slice(this.changeLog.length >>> 1);
      this.logFloor = this.changeLog[0]!.seq - 1;
    }
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
    this.releaseWaves();
  }

  /** Level-by-level barrier (waves policy): the next wave opens only when every task of the current one is final. */
  private releaseWaves(): void {
    if (this.policy !== 'waves') return;
    while (this.releasedWave < this.openInWave.length && this.openInWave[this.releasedWave] === 0) {
      this.releasedWave++;
      for (const candidate of this.waves[this.releasedWave] ?? []) this.enqueueIfReady(candidate);
    }
  }

  private enqueueIfReady(id: string): void {
    const status = this.status.get(id)!;
    if (status.state !== 'pending' || this.waitingOn.get(id) !== 0) return;
    if (this.policy === 'waves' && this.waveOf.get(id)! > this.releasedWave) return;
    this.ready.push({ id, bLevel: this.levels.get(id)!, priority: this.graph.byId.get(id)!.priority });
  }
}

/** When a gate's timeout decides for it. */
function deadline(gate: { timeoutMs?: number; onTimeout?: ApprovalWait['onTimeout'] }, now: number) {
  return gate.timeoutMs !== undefined ? { deadline: now + gate.timeoutMs, onTimeout: gate.onTimeout ?? 'fail' } : {};
}

function keepDecisions(list: readonly TaskDecision[] | undefined, decision: TaskDecision): TaskDecision[] {
  return [...(list ?? []), decision].slice(-MAX_DECISIONS);
}

/**
 * A task back to pending for another round: what it keeps across rounds, what its attempts have
 * spent so far (`spent`: its own status, or the outcome of the run that sent it back), and what
 * the next round needs.
 */
function pendingAgain(
  status: TaskStatus,
  spent: Pick<TaskStatus, 'attempts' | 'usage' | 'runs'>,
  next: Partial<TaskStatus>,
): TaskStatus {
  return {
    ...acrossRounds(status),
    id: status.id,
    state: 'pending',
    attempts: spent.attempts,
    ...(spent.usage ? { usage: spent.usage } : {}),
    ...(spent.runs ? { runs: spent.runs } : {}),
    ...next,
  };
}

/** What a task keeps from one run to the next: what people and reviews decided, and its rounds. */
function acrossRounds(status: TaskStatus): Partial<TaskStatus> {
  return {
    ...(status.decisions ? { decisions: status.decisions } : {}),
    ...(status.waitedMs !== undefined ? { waitedMs: status.waitedMs } : {}),
    ...(status.round !== undefined ? { round: status.round } : {}),
    ...(status.feedback ? { feedback: status.feedback } : {}),
    ...(status.cleared ? { cleared: true } : {}),
    ...(status.conflicts ? { conflicts: status.conflicts } : {}),
  };
}

/** A carried task that was sent back (it waits to run again): what its next run needs. */
function sentBack(previous: TaskStatus | undefined): Partial<TaskStatus> {
  if (!previous?.rework) return previous ? acrossRounds(previous) : {};
  return {
    ...acrossRounds(previous),
    rework: previous.rework,
    ...(previous.usage ? { usage: previous.usage } : {}),
    ...(previous.runs ? { runs: previous.runs } : {}),
    ...(previous.verdict ? { verdict: previous.verdict } : {}),
  };
}

function isBlocking(state: TaskState): boolean {
  return state === 'failed' || state === 'conflicted' || state === 'skipped' || state === 'cancelled';
}
