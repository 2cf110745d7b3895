/** The report as one self-contained HTML file: inline style and SVG, no script, no external URL. */
import { formatDuration } from '../core/duration.js';
import { pathText, peopleText } from './markdown.js';
import { chainText, pct } from './recommend.js';
import { escapeXml as esc, ganttSvg, graphSvg } from './svg.js';
import type { BoardReport } from './types.js';
import { usageText } from './usage-text.js';

const dur = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#1f2937}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f8fafc}.rec{font-weight:600}.note{color:#6b7280;font-size:12px}svg{max-width:100%;height:auto;border:1px solid #f1f5f9}`;

export function renderHtml(r: BoardReport): string {
  const s = r.summary;
  const b = r.bottlenecks;
  const summary: [string, string][] = [
    ['tasks completed', `${s.succeeded}/${s.total}`],
    [
      'success rate',
      `${pct(s.successRate)} (${s.failed} failed, ${s.conflicted} conflicted, ${s.skipped} skipped, ${s.cancelled} cancelled)`,
    ],
    ['wall time', dur(s.wallMs)],
    ['throughput', `${s.throughputPerHour.toFixed(1)} tasks/hour`],
    ['parallelization factor', `${s.parallelizationFactor.toFixed(2)} (task time ${dur(s.sumOfTaskDurationsMs)})`],
    ['cost and tokens', usageText(s.usage)],
    ...(s.cached
      ? ([
          [
            'read from the cache',
            `${s.cached} tasks, sparing ${dur(s.cacheSavedMs)}${s.cacheSavedUsage ? ` and ${usageText(s.cacheSavedUsage)}` : ''}`,
          ],
        ] as [string, string][])
      : []),
    ['commits', `${s.commits} (${s.changedFiles} files, +${s.insertions} −${s.deletions})`],
  ];
  const facts = [
    `Critical path (actual): ${pathText(r)} — ${dur(b.criticalPathMs)} of ${dur(s.wallMs)}`,
    ...(b.planned
      ? [`Planned from estimates: ${chainText(b.planned.criticalPath)}, makespan ${dur(b.planned.makespanMs)}`]
      : []),
    `Waiting for a slot: ${dur(b.slotWaitMs)} (${pct(b.slotWaitShare)} of the time tasks were ready)`,
    ...(b.peopleWaitMs > 0 ? [`Waiting for people (approval gates): ${peopleText(r)}`] : []),
    `Lost to retries: ${dur(b.retryLostMs)}; to conflicts: ${dur(b.conflictLostMs)}; checks ran ${dur(b.validationMs)}`,
    ...(b.estimateMisses.length
      ? [`Estimates furthest off: ${b.estimateMisses.map((m) => `${m.id} ${m.ratio.toFixed(1)}x`).join(', ')}`]
      : []),
  ];
  const rows = r.tasks.map(
    (t) =>
      `<tr><td>${esc(t.id)}</td><td>${t.state}</td><td>${esc(t.agent ?? '—')}</td><td>${t.attempts}</td><td>${t.kept ? 'kept' : t.cached ? `cached (saved ${dur(t.cached.savedMs)})` : dur(t.durationMs)}</td>` +
      `<td>${dur(t.waitDependenciesMs)}</td><td>${dur(t.waitSlotMs)}</td><td>${t.usage ? usageText(t.usage) : '—'}</td><td>${esc(t.reason ?? '')}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Todone report: ${esc(r.name)}</title><style>${STYLE}</style></head><body>
<h1>Todone report: ${esc(r.name)}${r.partial ? ' (so far: still running)' : ''}</h1>
<p>Board <code>${esc(r.boardId)}</code> is ${esc(r.state)}, maxParallel ${r.maxParallel} (${esc(r.policy)}).</p>
<table>${summary.map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<h2>Bottlenecks</h2>
<ul>${b.recommendations.map((x) => `<li class="rec">${esc(x)}</li>`).join('')}${facts.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<h2>Timeline</h2>
${ganttSvg(r)}
<h2>Dependency graph</h2>
${r.graphKnown ? graphSvg(r) : '<p class="note">Dependencies were not known for this board.</p>'}
<h2>Tasks</h2>
<table><tr><th>task</th><th>state</th><th>agent</th><th>attempts</th><th>duration</th><th>waited for deps</th><th>waited for a slot</th><th>usage</th><th>reason</th></tr>${rows.join('')}</table>
${b.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
</body></html>
`;
}
