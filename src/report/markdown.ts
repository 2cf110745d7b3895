/** The report as markdown: short enough for a pull request description, tables GitHub renders. */
import { formatDuration } from '../core/duration.js';
import { chainText, pct } from './recommend.js';
import type { BoardReport, TaskReport } from './types.js';
import { usageText } from './usage-text.js';

const dur = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function renderMarkdown(r: BoardReport): string {
  const s = r.summary;
  const b = r.bottlenecks;
  const lines: string[] = [];
  lines.push(`## Todone report: ${r.name}${r.partial ? ' (so far: still running)' : ''}`, '');
  lines.push(`Board \`${r.boardId}\` is ${r.state}, maxParallel ${r.maxParallel} (${r.policy}).`, '');
  lines.push('| | |', '| --- | --- |');
  lines.push(`| tasks completed | ${s.succeeded}/${s.total}${s.kept ? ` (${s.kept} kept from an earlier run)` : ''} |`);
  lines.push(
    `| success rate | ${pct(s.successRate)} (${s.failed} failed, ${s.conflicted} conflicted, ${s.skipped} skipped, ${s.cancelled} cancelled${s.running ? `, ${s.running} running` : ''}${s.pending ? `, ${s.pending} pending` : ''}) |`,
  );
  lines.push(`| wall time | ${dur(s.wallMs)} |`);
  lines.push(`| throughput | ${s.throughputPerHour.toFixed(1)} tasks/hour |`);
  lines.push(
    `| parallelization factor | ${s.parallelizationFactor.toFixed(2)} (task time ${dur(s.sumOfTaskDurationsMs)}) |`,
  );
  lines.push(`| cost and tokens | ${usageText(s.usage)} |`);
  if (s.cached)
    lines.push(
      `| read from the cache | ${s.cached} task${s.cached === 1 ? '' : 's'}, sparing ${dur(s.cacheSavedMs)}${s.cacheSavedUsage ? ` and ${usageText(s.cacheSavedUsage)}` : ''} |`,
    );
  lines.push(`| commits | ${s.commits} (${s.changedFiles} files, +${s.insertions} −${s.deletions}) |`, '');

  lines.push('### Bottlenecks', '');
  for (const rec of b.recommendations) lines.push(`- **${rec}**`);
  lines.push('');
  lines.push(`- Critical path (actual): ${pathText(r)} — ${dur(b.criticalPathMs)} of ${dur(s.wallMs)}`);
  if (b.planned)
    lines.push(
      `- Planned from estimates: ${chainText(b.planned.criticalPath)}, makespan ${dur(b.planned.makespanMs)} (actual ${dur(s.wallMs)})`,
    );
  lines.push(`- Waiting for a slot: ${dur(b.slotWaitMs)} (${pct(b.slotWaitShare)} of the time tasks were ready)`);
  if (b.peopleWaitMs > 0) lines.push(`- Waiting for people (approval gates): ${peopleText(r)}`);
  lines.push(
    `- Lost to retries: ${dur(b.retryLostMs)}; to conflicts: ${dur(b.conflictLostMs)}; checks ran ${dur(b.validationMs)}`,
  );
  if (b.estimateMisses.length) {
    lines.push(
      `- Estimates furthest off: ${b.estimateMisses.map((m) => `${m.id} ${m.ratio.toFixed(1)}x (${dur(m.estimateMs)} → ${dur(m.actualMs)})`).join(', ')}`,
    );
  }
  lines.push('');

  lines.push('### Tasks', '');
  lines.push(
    '| task | state | agent | attempts | duration | waited (deps / slot) | usage | reason |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const t of r.tasks) lines.push(taskRow(t));
  lines.push('', ...b.notes.map((n) => `<sub>${n}</sub>`), '');
  return lines.join('\n');
}

/** The time tasks waited for approval, and who waited longest. */
export function peopleText(r: BoardReport): string {
  const waited = r.tasks
    .filter((t) => (t.waitPeopleMs ?? 0) > 0)
    .sort((a, b) => b.waitPeopleMs! - a.waitPeopleMs!)
    .slice(0, 5)
    .map((t) => `${t.id} ${dur(t.waitPeopleMs)}`);
  return `${dur(r.bottlenecks.peopleWaitMs)} (${waited.join(', ')})`;
}

export function pathText(r: BoardReport): string {
  return (
    r.bottlenecks.criticalPath
      .map((l, i) => (i === 0 ? l.id : `${l.via === 'slot' ? '~>' : '->'} ${l.id}`))
      .join(' ') || '—'
  );
}

function taskRow(t: TaskReport): string {
  const waited = t.startMs === undefined || t.kept ? '—' : `${dur(t.waitDependenciesMs)} / ${dur(t.waitSlotMs)}`;
  const duration = t.kept
    ? 'kept'
    : t.cached
      ? `cached (saved ${dur(t.cached.savedMs)})`
      : `${dur(t.durationMs)}${t.busyMs !== undefined && t.durationMs !== undefined && t.busyMs - t.durationMs >= 1_000 ? ` (slot ${dur(t.busyMs)})` : ''}`;
  const reason = t.reason ? cell(t.reason.length > 120 ? `${t.reason.slice(0, 117)}...` : t.reason) : '';
  return `| ${t.id} | ${t.state} | ${t.agent ?? '—'} | ${t.attempts} | ${duration} | ${waited} | ${t.usage ? usageText(t.usage) : '—'} | ${reason} |`;
}
