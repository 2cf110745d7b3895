/** `todone plan` as text: waves, critical path, simulated makespans and a plain verdict. */
import type { BoardSpec } from '../../core/board.js';
import { formatDuration } from '../../core/duration.js';
import type { BoardPlan } from '../../core/plan.js';
import type { SharedFile } from '../../core/shared-files.js';

export interface PlanTextOptions {
  /**
   * Longest id list printed on one line (a wave, the critical path) before eliding the rest, and
   * most waves listed: a 10,000-task board should still print a readable plan. `--json` has it all.
   */
  maxIds?: number;
  maxWaves?: number;
  /** Tasks that may run at once and name the same files (src/core/shared-files.ts). */
  shared?: readonly SharedFile[];
}

export function formatPlanText(
  board: Pick<BoardSpec, 'id' | 'name'> & Partial<Pick<BoardSpec, 'tasks'>>,
  plan: BoardPlan,
  options: PlanTextOptions = {},
): string {
  const { maxIds = 30, maxWaves = 50 } = options;
  const m = plan.makespan;
  const lines: string[] = [];
  lines.push(
    `Board "${board.name}" (${board.id}): ${count(plan.taskCount, 'task')}, ${count(plan.edgeCount, 'dependency', 'dependencies')}, ` +
      `${formatDuration(plan.totalWorkMs)} of estimated work.`,
  );
  lines.push('');

  lines.push(`Waves (${plan.waves.length}):`);
  plan.waves
    .slice(0, maxWaves)
    .forEach((wave, index) => lines.push(`  wave ${index + 1}: ${idList(wave, maxIds, ', ')}`));
  if (plan.waves.length > maxWaves) lines.push(`  ... ${count(plan.waves.length - maxWaves, 'more wave')}`);
  lines.push('');

  lines.push(
    plan.criticalPath.ids.length > 0
      ? `Critical path: ${idList(plan.criticalPath.ids, maxIds, ' -> ')} (${formatDuration(plan.criticalPath.lengthMs)})`
      : 'Critical path: none (no tasks)',
  );
  lines.push(`Max parallelism: ${plan.maxParallelism} (widest wave)`);
  lines.push('');

  const requirements = requirementLines(board.tasks ?? [], maxIds);
  if (requirements.length > 0) lines.push('Requires (run only on workers offering these):', ...requirements, '');

  lines.push(`Simulated makespan on ${count(plan.slots, 'slot')} (maxParallel), each task taking its estimate:`);
  const rows: [string, number][] = [
    ['eager (todone)', m.eagerMs],
    ['waves (barriers)', m.wavesMs],
    ['lower bound', m.lowerBoundMs],
    ['sequential', m.sequentialMs],
  ];
  for (const [name, ms] of rows) lines.push(`  ${name.padEnd(17)} ${formatDuration(ms)}`);
  const versusWaves = compareToWaves(m.eagerMs, m.wavesMs);
  if (versusWaves) lines.push(`  ${versusWaves}`);
  lines.push(`Parallelization factor: ${plan.parallelizationFactor.toFixed(2)} (sequential / eager)`);
  lines.push('');

  if (options.shared?.length) {
    lines.push('Tasks that may run at the same time and name the same files (from their descriptions):');
    for (const entry of options.shared) lines.push(`  ${entry.file}: ${idList(entry.tasks, maxIds, ', ')}`);
    lines.push('Their merges may conflict: make one depend on the other, or split the work by file.', '');
  }

  lines.push(verdict(plan));
  return lines.join('\n') + '\n';
}

/** Tasks grouped by the capabilities they require: which workers the board needs besides plain ones. */
function requirementLines(tasks: BoardSpec['tasks'], maxIds: number): string[] {
  const bySet = new Map<string, string[]>();
  for (const task of tasks) {
    if (!task.requires?.length) continue;
    const key = task.requires.join('+');
    bySet.set(key, [...(bySet.get(key) ?? []), task.id]);
  }
  return [...bySet].map(([set, ids]) => `  ${set}: ${idList(ids, maxIds, ', ')}`);
}

/** The original description's `should_use_todone`, said in one sentence. */
export function verdict(plan: Pick<BoardPlan, 'advice' | 'parallelizationFactor'>): string {
  if (plan.advice.worthIt) {
    return `Parallel execution is worth it: ~${plan.parallelizationFactor.toFixed(1)}x faster than running tasks one at a time.`;
  }
  return `Running in parallel is not worth it: ${plan.advice.reasons.join('; ')}.`;
}

function compareToWaves(eagerMs: number, wavesMs: number): string | undefined {
  if (wavesMs <= 0 || eagerMs === wavesMs) return undefined;
  const percent = Math.round((Math.abs(wavesMs - eagerMs) / wavesMs) * 100);
  if (eagerMs < wavesMs) return `eager saves ${formatDuration(wavesMs - eagerMs)} (${percent}%) over waves`;
  // Greedy list scheduling is not optimal; on rare boards the barriers happen to pack better.
  return `waves would finish ${formatDuration(eagerMs - wavesMs)} (${percent}%) sooner on these estimates`;
}

function idList(ids: readonly string[], max: number, separator: string): string {
  if (ids.length <= max) return ids.join(separator);
  // Keep both ends of a long list: the start and the finish of a critical path matter most.
  const head = ids.slice(0, Math.ceil(max / 2));
  const tail = ids.slice(ids.length - Math.floor(max / 2));
  return [...head, `... (${ids.length - head.length - tail.length} more)`, ...tail].join(separator);
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
