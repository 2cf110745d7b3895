import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchedulingPolicy, TaskSpec } from '../../src/core/board.js';
import { buildGraph, topologicalWaves, type GraphTask } from '../../src/core/graph.js';
import { isFinal, type TaskStatus } from '../../src/core/run-state.js';
import { BoardScheduler } from '../../src/core/scheduler.js';
import { dagArb, downstreamOf, toTaskSpec } from './arbitraries.js';

const RUNS = { numRuns: 200 };

interface Scenario {
  tasks: GraphTask[];
  maxParallel: number;
  policy: SchedulingPolicy;
  /** Tasks whose attempt fails if they get to run. */
  failing: Set<string>;
  /** Which running task finishes next: picks[i] mod the number running, cycled. */
  picks: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    tasks: dagArb({ maxTasks: 14 }),
    maxParallel: fc.integer({ min: 1, max: 8 }),
    policy: fc.constantFrom<SchedulingPolicy>('eager', 'waves'),
    failRate: fc.constantFrom(0, 0.1, 0.3),
    rolls: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 14, maxLength: 14 }),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
  })
  .map(({ tasks, maxParallel, policy, failRate, rolls, picks }) => ({
    tasks,
    maxParallel,
    policy,
    failing: new Set(tasks.filter((t) => rolls[Number(t.id.slice(1))]! < failRate).map((t) => t.id)),
    picks,
  }));

interface Trace {
  started: string[];
  failed: Set<string>;
}

/**
 * Plays the workflow's part: start what the scheduler offers, finish one running task at a time,
 * and check the invariants at every step. Stops after `maxCompletions` outcomes (to carry state)
 * or when nothing runs and nothing can start.
 */
function drive(
  scheduler: BoardScheduler,
  scenario: Scenario,
  trace: Trace,
  maxCompletions = Infinity,
  clock = { now: 0, pick: 0 },
): void {
  const { tasks, maxParallel, policy, failing, picks } = scenario;
  const waves = topologicalWaves(buildGraph(tasks));
  const running: string[] = tasks.filter((t) => scheduler.statusOf(t.id)!.state === 'running').map((t) => t.id);
  let completions = 0;
  for (;;) {
    for (const id of scheduler.startNext(clock.now)) {
      expect(trace.started).not.toContain(id);
      trace.started.push(id);
      running.push(id);
      expect(scheduler.statusOf(id)!.state).toBe('running');
      for (const dep of scheduler.task(id)!.dependsOn) expect(scheduler.statusOf(dep)!.state).toBe('succeeded');
      if (policy === 'waves') {
        const wave = waves.findIndex((w) => w.includes(id));
        for (const earlier of waves.slice(0, wave).flat())
          expect(isFinal(scheduler.statusOf(earlier)!.state)).toBe(true);
      }
    }
    expect(running.length).toBeLessThanOrEqual(maxParallel);
    expect(scheduler.running).toBe(running.length);
    if (running.length === 0 || completions >= maxCompletions) return;
    const index = picks[clock.pick++ % picks.length]! % running.length;
    const id = running.splice(index, 1)[0]!;
    clock.now += 1;
    completions++;
    if (failing.has(id)) {
      trace.failed.add(id);
      const skipped = scheduler.fail(id, 'failed', { attempts: 1, reason: 'boom' }, clock.now);
      for (const s of skipped) expect(scheduler.statusOf(s)!.state).toBe('skipped');
    } else {
      scheduler.succeed(id, { attempts: 1, durationMs: 1 }, clock.now);
    }
  }
}

function checkFinal(scheduler: BoardScheduler, tasks: readonly GraphTask[], failed: Set<string>): void {
  expect(scheduler.done).toBe(true);
  expect(scheduler.running).toBe(0);
  const downstream = downstreamOf(tasks, failed);
  for (const t of tasks) {
    const state = scheduler.statusOf(t.id)!.state;
    if (failed.has(t.id)) expect(state).toBe('failed');
    else if (downstream.has(t.id)) expect(state).toBe('skipped');
    else expect(state).toBe('succeeded');
  }
  const counts = scheduler.counts;
  expect(counts.pending + counts.running).toBe(0);
  expect(counts.total).toBe(tasks.length);
}

function boardOf(scenario: Scenario, tasks: readonly GraphTask[] = scenario.tasks) {
  return { tasks: tasks.map(toTaskSpec), maxParallel: scenario.maxParallel, policy: scenario.policy };
}

describe('BoardScheduler', () => {
  it('runs every task once, within maxParallel, after its dependencies; failures skip exactly their dependents', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const scheduler = new BoardScheduler(boardOf(scenario));
        const trace: Trace = { started: [], failed: new Set() };
        drive(scheduler, scenario, trace);
        checkFinal(scheduler, scenario.tasks, trace.failed);
        const downstream = downstreamOf(scenario.tasks, trace.failed);
        expect(trace.started.length).toBe(scenario.tasks.length - downstream.size);
      }),
      RUNS,
    );
  });

  it('resumes carried state without re-running final tasks, whatever the board order', () => {
    const arb = fc.tuple(
      scenarioArb,
      fc.integer({ min: 0, max: 14 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
    );
    fc.assert(
      fc.property(arb, fc.context(), ([scenario, cut, picksAfter], ctx) => {
        const first = new BoardScheduler(boardOf(scenario));
        const trace: Trace = { started: [], failed: new Set() };
        drive(first, scenario, trace, cut);
        const carried = first.snapshot();
        // Tasks still running when the state was carried lost their activity and must start again.
        const interrupted = carried.filter((s) => s.state === 'running').map((s) => s.id);
        trace.started = trace.started.filter((id) => !interrupted.includes(id));
        const finalBefore = new Map(carried.filter((s) => isFinal(s.state)).map((s) => [s.id, s.state]));
        ctx.log(`carried ${JSON.stringify(carried.map((s) => [s.id, s.state]))}`);

        // The next run may list the board differently (the same board, re-read).
        const reordered = [...scenario.tasks].reverse();
        const second = new BoardScheduler(boardOf(scenario, reordered), carried);
        for (const id of interrupted) expect(second.statusOf(id)!.state).toBe('pending');
        drive(second, { ...scenario, picks: picksAfter }, trace);
        for (const id of finalBefore.keys())
          expect(trace.started.filter((s) => s === id).length).toBeLessThanOrEqual(1);
        for (const [id, state] of finalBefore) expect(second.statusOf(id)!.state).toBe(state);
        checkFinal(second, scenario.tasks, trace.failed);
      }),
      RUNS,
    );
  });

  it('skips the whole chain below a carried failure even when the board lists dependents first', () => {
    // A snapshot taken by the scheduler already has these skipped; one written by hand or by an
    // older version may not, and a task left pending here would never start nor end.
    const tasks = [
      toTaskSpec({ id: 'grandchild', dependsOn: ['child'], estimateMs: 1, priority: 0 }),
      toTaskSpec({ id: 'child', dependsOn: ['root'], estimateMs: 1, priority: 0 }),
      toTaskSpec({ id: 'root', dependsOn: [], estimateMs: 1, priority: 0 }),
      toTaskSpec({ id: 'other', dependsOn: [], estimateMs: 1, priority: 0 }),
    ];
    for (const policy of ['eager', 'waves'] as const) {
      const carried: TaskStatus[] = [
        { id: 'root', state: 'failed', attempts: 3 },
        { id: 'child', state: 'pending', attempts: 0 },
        { id: 'grandchild', state: 'pending', attempts: 0 },
      ];
      const scheduler = new BoardScheduler({ tasks, maxParallel: 4, policy }, carried);
      expect(scheduler.statusOf('child')!.state).toBe('skipped');
      expect(scheduler.statusOf('grandchild')!.state).toBe('skipped');
      expect(scheduler.startNext(0)).toEqual(['other']);
      scheduler.succeed('other', { attempts: 1 }, 1);
      expect(scheduler.startNext(1)).toEqual([]);
      expect(scheduler.done).toBe(true);
      expect(scheduler.counts).toMatchObject({ pending: 0, failed: 1, skipped: 2, succeeded: 1 });
    }
  });

  it('cancelAllPending leaves nothing pending and starts nothing more', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 10 }), (scenario, cut) => {
        const scheduler = new BoardScheduler(boardOf(scenario));
        const trace: Trace = { started: [], failed: new Set() };
        const clock = { now: 0, pick: 0 };
        drive(scheduler, scenario, trace, cut, clock);
        const running = scenario.tasks.filter((t) => scheduler.statusOf(t.id)!.state === 'running').map((t) => t.id);
        scheduler.cancelAllPending('board cancelled', 100);
        expect(scheduler.counts.pending).toBe(0);
        // Running tasks finish on their own; their success must not wake anything up.
        for (const id of running) {
          scheduler.succeed(id, { attempts: 1 }, 101);
          expect(scheduler.startNext(102)).toEqual([]);
        }
        expect(scheduler.counts.pending).toBe(0);
        expect(scheduler.done).toBe(true);
        for (const t of scenario.tasks) {
          const status = scheduler.statusOf(t.id)!;
          if (status.state === 'cancelled') expect(status.reason).toBe('board cancelled');
        }
      }),
      RUNS,
    );
  });

  it('cancelPending cancels one queued task and skips what depends on it', () => {
    const tasks: TaskSpec[] = [
      toTaskSpec({ id: 'a', dependsOn: [], estimateMs: 10, priority: 0 }),
      toTaskSpec({ id: 'b', dependsOn: [], estimateMs: 10, priority: 0 }),
      toTaskSpec({ id: 'c', dependsOn: ['b'], estimateMs: 10, priority: 0 }),
    ];
    const scheduler = new BoardScheduler({ tasks, maxParallel: 1, policy: 'eager' });
    expect(scheduler.startNext(0)).toEqual(['b']);
    expect(scheduler.cancelPending('a', 'not needed', 1)).toEqual(['a']);
    expect(scheduler.cancelPending('b', 'running tasks are not pending', 1)).toEqual([]);
    scheduler.succeed('b', { attempts: 1 }, 2);
    expect(scheduler.startNext(2)).toEqual(['c']);
    expect(scheduler.statusOf('a')).toMatchObject({ state: 'cancelled', reason: 'not needed' });

    const again = new BoardScheduler({ tasks, maxParallel: 1, policy: 'eager' });
    expect(again.cancelPending('b', 'stop', 0)).toEqual(['b', 'c']);
    expect(again.statusOf('c')).toMatchObject({ state: 'skipped', reason: 'dependency "b" cancelled' });
    expect(again.startNext(0)).toEqual(['a']);
  });

  it('starts the longest remaining critical path first', () => {
    const tasks = [
      toTaskSpec({ id: 'short', dependsOn: [], estimateMs: 10, priority: 5 }),
      toTaskSpec({ id: 'long', dependsOn: [], estimateMs: 10, priority: 0 }),
      toTaskSpec({ id: 'tail', dependsOn: ['long'], estimateMs: 100, priority: 0 }),
    ];
    const scheduler = new BoardScheduler({ tasks, maxParallel: 1, policy: 'eager' });
    expect(scheduler.startNext(0)).toEqual(['long']);
  });

  it('records the outcome on the task status', () => {
    const tasks = [toTaskSpec({ id: 'a', dependsOn: [], estimateMs: 10, priority: 0 })];
    const scheduler = new BoardScheduler({ tasks, maxParallel: 1, policy: 'eager' });
    scheduler.startNext(5);
    scheduler.fail('a', 'failed', { attempts: 3, exitCode: 2, reason: 'exit 2', outputTail: 'oops', logPath: '/l' }, 9);
    expect(scheduler.snapshot()).toEqual<TaskStatus[]>([
      {
        id: 'a',
        state: 'failed',
        attempts: 3,
        startedAt: 5,
        endedAt: 9,
        exitCode: 2,
        reason: 'exit 2',
        outputTail: 'oops',
        logPath: '/l',
      },
    ]);
  });

  it('answers what changed since any number from its change log as a scan of every task would, past the log’s bound too', () => {
    /** The answer the log stands for: every task whose last change is numbered above `seq`, in board order. */
    const scanned = (scheduler: BoardScheduler, seq: number) => {
      const changedAt = (scheduler as unknown as { changedAt: Map<string, number> }).changedAt;
      return scheduler.taskIds.filter((id) => changedAt.get(id)! > seq);
    };
    const answered = (scheduler: BoardScheduler, seq: number) => scheduler.changedSince(seq).map((t) => t.id);
    const check = (scheduler: BoardScheduler) => {
      for (let seq = -1; seq <= scheduler.changeSeq + 1; seq++)
        expect(answered(scheduler, seq)).toEqual(scanned(scheduler, seq));
    };
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 50 }), (scenario, carriedSeq) => {
        // Carried from an earlier run at some number, then driven; asked after every step.
        const scheduler = new BoardScheduler(boardOf(scenario), [], carriedSeq);
        const trace: Trace = { started: [], failed: new Set() };
        const clock = { now: 0, pick: 0 };
        for (let step = 0; step < 3 * scenario.tasks.length && !scheduler.done; step++) {
          drive(scheduler, scenario, trace, 1, clock);
          check(scheduler);
        }
        // Failed tasks retried again and again: far more changes than the log keeps.
        const failed = scenario.tasks.map((t) => t.id).filter((id) => scheduler.statusOf(id)!.state === 'failed');
        for (let round = 0; failed.length > 0 && round < 40; round++) {
          scheduler.retry(failed);
          for (const id of scheduler.startNext(clock.now))
            scheduler.fail(id, 'failed', { attempts: 1, reason: 'again' }, ++clock.now);
        }
        check(scheduler);
      }),
      { numRuns: 100 },
    );
  });
});
