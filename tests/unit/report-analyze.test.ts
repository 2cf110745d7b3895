import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/core/graph.js';
import { countTasks, type BoardStatus, type TaskStatus } from '../../src/core/run-state.js';
import { simulate } from '../../src/core/simulate.js';
import { analyzeBoard } from '../../src/report/analyze.js';
import { fullTime } from '../../src/report/timeline.js';
import { dagArb } from './arbitraries.js';

const T0 = 1_700_000_000_000;
const S = 1_000;

function task(id: string, start: number, end: number, extra: Partial<TaskStatus> = {}): TaskStatus {
  return {
    id,
    state: 'succeeded',
    attempts: 1,
    startedAt: T0 + start,
    endedAt: T0 + end,
    durationMs: end - start,
    agent: 'shell',
    ...extra,
  };
}

function status(tasks: TaskStatus[], maxParallel: number, endMs?: number): BoardStatus {
  const end = endMs ?? Math.max(...tasks.map((t) => (t.endedAt ?? T0) - T0));
  return {
    boardId: 'b',
    name: 'B',
    policy: 'eager',
    maxParallel,
    state: 'completed',
    startedAt: T0,
    endedAt: T0 + end,
    counts: countTasks(tasks),
    tasks,
  };
}

describe('fullTime', () => {
  it('counts only the time every slot is held', () => {
    const busy = [
      { startMs: 0, endMs: 10 },
      { startMs: 5, endMs: 20 },
    ];
    expect(fullTime(busy, 2, 0, 30)).toBe(5);
    expect(fullTime(busy, 1, 0, 30)).toBe(20);
    expect(fullTime(busy, 1, 12, 15)).toBe(3);
    expect(fullTime(busy, 3, 0, 30)).toBe(0);
  });
});

describe('analyzeBoard', () => {
  it('finds the chain that set the finish time and says more slots will not help', () => {
    const tasks = [
      task('a', 0, 10 * S),
      task('x', 0, 2 * S),
      task('b', 10 * S, 40 * S),
      task('c', 40 * S, 45 * S),
      task('y', 10 * S, 12 * S),
    ];
    const specs = [
      { id: 'a', dependsOn: [], estimateMs: 10 * S },
      { id: 'x', dependsOn: [], estimateMs: 2 * S },
      { id: 'b', dependsOn: ['a'], estimateMs: 5 * S },
      { id: 'c', dependsOn: ['b'], estimateMs: 5 * S },
      { id: 'y', dependsOn: ['a'], estimateMs: 2 * S },
    ];
    const report = analyzeBoard({ status: status(tasks, 4), specs, now: T0 + 99 * S });
    expect(report.bottlenecks.criticalPath).toEqual([
      { id: 'a' },
      { id: 'b', via: 'dependency' },
      { id: 'c', via: 'dependency' },
    ]);
    expect(report.bottlenecks.criticalPathMs).toBe(45 * S);
    expect(report.bottlenecks.slotWaitMs).toBe(0);
    expect(report.bottlenecks.recommendations[0]).toBe(
      'bound by the chain a -> b -> c; more parallelism will not help; split b (67% of the wall time)',
    );
    expect(report.bottlenecks.estimateMisses[0]).toMatchObject({ id: 'b', ratio: 6 });
    expect(report.bottlenecks.planned).toEqual({
      makespanMs: 20 * S,
      criticalPath: ['a', 'b', 'c'],
      criticalPathMs: 20 * S,
    });
    expect(report.tasks.find((t) => t.id === 'c')).toMatchObject({ waitDependenciesMs: 40 * S, waitSlotMs: 0 });
    expect(report.summary).toMatchObject({ total: 5, succeeded: 5, successRate: 1, wallMs: 45 * S });
    expect(report.summary.throughputPerHour).toBeCloseTo(400);
  });

  it('says to raise maxParallel when tasks queued for a slot, with the share that did', () => {
    const tasks = ['a', 'b', 'c', 'd'].map((id, i) => task(id, i * 10 * S, (i + 1) * 10 * S));
    const report = analyzeBoard({
      status: status(tasks, 1),
      specs: tasks.map((t) => ({ id: t.id, dependsOn: [] })),
      now: T0,
    });
    // Waits 0+10+20+30 over ready-to-done 10+20+30+40.
    expect(report.bottlenecks.slotWaitShare).toBeCloseTo(0.6);
    expect(report.bottlenecks.recommendations[0]).toBe(
      'raise maxParallel (now 1): tasks waited 60% of the time for a slot',
    );
    expect(report.bottlenecks.criticalPath.map((l) => `${l.via ?? ''}:${l.id}`)).toEqual([
      ':a',
      'slot:b',
      'slot:c',
      'slot:d',
    ]);
  });

  it("counts a retried task's extra slot time as lost to retries, and a conflicted one's as lost to conflicts", () => {
    const tasks = [
      task('flaky', 0, 30 * S, { attempts: 3, durationMs: 10 * S }),
      task('merge', 0, 20 * S, { attempts: 2, durationMs: 5 * S, state: 'conflicted', conflictFiles: ['x.ts'] }),
      task('ok', 0, 30 * S, {
        validation: [{ command: 'make check', passed: true, required: true, exitCode: 0, durationMs: 4 * S }],
      }),
    ];
    const report = analyzeBoard({ status: status(tasks, 3), now: T0 });
    expect(report.bottlenecks.retryLostMs).toBe(20 * S);
    expect(report.bottlenecks.conflictLostMs).toBe(15 * S);
    expect(report.bottlenecks.validationMs).toBe(4 * S);
    expect(report.bottlenecks.recommendations).toContain(
      'retries cost 20.0s (67% of the wall time): make flaky pass first time',
    );
    expect(report.summary.successRate).toBeCloseTo(2 / 3);
    expect(report.graphKnown).toBe(false);
  });

  it('reports a running board so far', () => {
    const running: TaskStatus = { id: 'r', state: 'running', attempts: 1, startedAt: T0 + 5 * S };
    const s = { ...status([task('a', 0, 5 * S), running], 2), endedAt: undefined, state: 'running' as const };
    const report = analyzeBoard({
      status: s,
      specs: [
        { id: 'a', dependsOn: [] },
        { id: 'r', dependsOn: ['a'] },
      ],
      now: T0 + 8 * S,
    });
    expect(report.partial).toBe(true);
    expect(report.summary.wallMs).toBe(8 * S);
    expect(report.tasks.find((t) => t.id === 'r')).toMatchObject({ busyMs: 3 * S, waitDependenciesMs: 5 * S });
  });

  it('on any eager schedule: waits add up to the start, and the path runs unbroken from 0 to the finish', () => {
    fc.assert(
      fc.property(dagArb({ maxTasks: 14 }), fc.integer({ min: 1, max: 4 }), (graphTasks, slots) => {
        const scaled = graphTasks.map((t) => ({ ...t, estimateMs: t.estimateMs * 10 * S }));
        const simulation = simulate(buildGraph(scaled), slots, 'eager');
        const tasks = simulation.schedule.map((s) => task(s.id, s.startMs, s.endMs));
        const report = analyzeBoard({ status: status(tasks, slots), specs: scaled, now: T0 });
        for (const t of report.tasks) {
          expect(t.waitDependenciesMs! + t.waitSlotMs! + t.waitOtherMs!).toBe(t.startMs);
          expect(t.waitOtherMs).toBe(0);
        }
        const byId = new Map(report.tasks.map((t) => [t.id, t]));
        const path = report.bottlenecks.criticalPath.map((l) => byId.get(l.id)!);
        expect(path[0]!.startMs).toBe(0);
        expect(path.at(-1)!.endMs).toBe(simulation.makespanMs);
        for (let i = 1; i < path.length; i++) expect(path[i]!.startMs).toBe(path[i - 1]!.endMs);
        expect(report.bottlenecks.criticalPathMs).toBe(simulation.makespanMs);
      }),
      { numRuns: 200 },
    );
  });
});
