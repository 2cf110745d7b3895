/**
 * `plan_board`'s answer: what `todone plan` prints, as compact fields. Long lists keep their ends
 * (the start and the finish of a critical path matter most) and say how many were left out.
 */
import type { BoardSpec } from '../core/board.js';
import { planBoard } from '../core/plan.js';
import { sharedFiles } from '../core/shared-files.js';
import { verdict } from '../cli/format/plan-text.js';
import type { Answer } from './answers.js';

const MAX_IDS = 30;
const MAX_WAVES = 20;

function ids(list: readonly string[]): string[] {
  if (list.length <= MAX_IDS) return [...list];
  const head = list.slice(0, MAX_IDS / 2);
  const tail = list.slice(list.length - MAX_IDS / 2);
  return [...head, `… ${list.length - head.length - tail.length} more`, ...tail];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function planAnswer(board: BoardSpec): Answer {
  const plan = planBoard(board.tasks, board.maxParallel);
  const shared = sharedFiles(board.tasks);
  const requires = board.tasks.filter((t) => t.requires?.length).map((t) => ({ id: t.id, requires: t.requires }));
  return {
    board: board.id,
    name: board.name,
    tasks: plan.taskCount,
    dependencies: plan.edgeCount,
    maxParallel: plan.slots,
    totalWorkSeconds: seconds(plan.totalWorkMs),
    waves: plan.waves.slice(0, MAX_WAVES).map(ids),
    ...(plan.waves.length > MAX_WAVES ? { moreWaves: plan.waves.length - MAX_WAVES } : {}),
    criticalPath: { ids: ids(plan.criticalPath.ids), seconds: seconds(plan.criticalPath.lengthMs) },
    maxParallelism: plan.maxParallelism,
    makespanSeconds: {
      eager: seconds(plan.makespan.eagerMs),
      waves: seconds(plan.makespan.wavesMs),
      lowerBound: seconds(plan.makespan.lowerBoundMs),
      sequential: seconds(plan.makespan.sequentialMs),
    },
    parallelizationFactor: Math.round(plan.parallelizationFactor * 100) / 100,
    worthIt: plan.advice.worthIt,
    advice: verdict(plan),
    ...(requires.length ? { requires: requires.slice(0, MAX_IDS) } : {}),
    ...(shared.length ? { sameFiles: shared.map((s) => ({ file: s.file, tasks: ids(s.tasks) })) } : {}),
  };
}
