/**
 * The two pictures of the HTML report, as inline SVG: the timeline (one bar per task, the wait
 * before it lighter, critical-path tasks outlined) and the dependency graph laid out by waves.
 */
import { formatDuration } from '../core/duration.js';
import type { BoardReport, TaskReport } from './types.js';

const COLORS: Record<string, string> = {
  succeeded: '#2e9d5b',
  failed: '#d64545',
  conflicted: '#d68a1f',
  skipped: '#9aa0a6',
  cancelled: '#6b7280',
  running: '#3b82f6',
  pending: '#cbd5e1',
};

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function ganttSvg(r: BoardReport): string {
  const rows = r.tasks.filter((t) => t.startMs !== undefined && !t.kept).sort((a, b) => a.startMs! - b.startMs!);
  const onPath = new Set(r.bottlenecks.criticalPath.map((l) => l.id));
  const label = 140;
  const width = 860;
  const rowH = 18;
  const span = Math.max(1, r.summary.wallMs);
  const x = (ms: number) => label + (ms / span) * (width - label - 10);
  const bars = rows.map((t, i) => {
    const y = 20 + i * rowH;
    const end = t.endMs ?? r.summary.wallMs;
    const wait =
      t.readyMs !== undefined && t.readyMs < t.startMs!
        ? `<rect x="${x(t.readyMs)}" y="${y + 5}" width="${x(t.startMs!) - x(t.readyMs)}" height="${rowH - 10}" fill="#e5e7eb"><title>waited ${formatDuration(t.startMs! - t.readyMs)} after ready</title></rect>`
        : '';
    const stroke = onPath.has(t.id) ? ' stroke="#111" stroke-width="2"' : '';
    return (
      `<text x="4" y="${y + rowH - 5}" font-size="11">${escapeXml(t.id)}</text>${wait}` +
      `<rect class="bar" data-task="${escapeXml(t.id)}" x="${x(t.startMs!)}" y="${y + 2}" width="${Math.max(1, x(end) - x(t.startMs!))}" height="${rowH - 4}" fill="${COLORS[t.state] ?? '#999'}"${stroke}><title>${escapeXml(`${t.id}: ${t.state}, ${formatDuration(end - t.startMs!)}`)}</title></rect>`
    );
  });
  const height = 30 + rows.length * rowH;
  const axis = `<text x="${label}" y="12" font-size="10">0</text><text x="${width - 10}" y="12" font-size="10" text-anchor="end">${formatDuration(span)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${axis}${bars.join('')}</svg>`;
}

/** Waves from the dependencies the report knows (levels of the longest chain before each task). */
function waves(r: BoardReport): string[][] {
  const level = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const deps = r.dependencies[id] ?? [];
    const depth = deps.length ? Math.max(...deps.map((d) => visit(d, seen) + 1)) : 0;
    level.set(id, depth);
    return depth;
  };
  const out: string[][] = [];
  for (const t of r.tasks) (out[visit(t.id, new Set())] ??= []).push(t.id);
  return out;
}

export function graphSvg(r: BoardReport): string {
  const byId = new Map<string, TaskReport>(r.tasks.map((t) => [t.id, t]));
  const path = r.bottlenecks.criticalPath.map((l) => l.id);
  const pathEdges = new Set(path.slice(1).map((id, i) => `${path[i]}>${id}`));
  const colW = 170;
  const rowH = 34;
  const pos = new Map<string, { x: number; y: number }>();
  const layers = waves(r);
  layers.forEach((ids, col) => ids.forEach((id, row) => pos.set(id, { x: 10 + col * colW, y: 10 + row * rowH })));
  const width = 20 + layers.length * colW;
  const height = 20 + Math.max(1, ...layers.map((l) => l.length)) * rowH;
  const edges: string[] = [];
  for (const [id, deps] of Object.entries(r.dependencies)) {
    const to = pos.get(id);
    for (const dep of deps) {
      const from = pos.get(dep);
      if (!from || !to) continue;
      const hot = pathEdges.has(`${dep}>${id}`);
      edges.push(
        `<line x1="${from.x + 130}" y1="${from.y + 12}" x2="${to.x}" y2="${to.y + 12}" stroke="${hot ? '#111' : '#94a3b8'}" stroke-width="${hot ? 2 : 1}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  const nodes = [...pos].map(([id, p]) => {
    const t = byId.get(id);
    const hot = path.includes(id) ? ' stroke="#111" stroke-width="2"' : '';
    return `<g class="node" data-task="${escapeXml(id)}"><rect x="${p.x}" y="${p.y}" width="130" height="24" rx="4" fill="${COLORS[t?.state ?? 'pending'] ?? '#999'}"${hot}/><text x="${p.x + 6}" y="${p.y + 16}" font-size="11" fill="#fff">${escapeXml(id.length > 20 ? `${id.slice(0, 19)}…` : id)}</text></g>`;
  });
  const defs =
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#64748b"/></marker></defs>';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${defs}${edges.join('')}${nodes.join('')}</svg>`;
}
