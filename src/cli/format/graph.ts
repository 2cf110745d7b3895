/**
 * Pictures of a board's dependency graph: Mermaid `flowchart LR` and Graphviz `dot`.
 * Arrows run from a dependency to its dependent (the direction work flows); the critical path's
 * nodes and edges are drawn in red.
 */
import { formatDuration } from '../../core/duration.js';
import type { GraphTask } from '../../core/graph.js';

export interface GraphPictureOptions {
  /** Task ids of the critical path, dependency first. */
  criticalPath?: readonly string[];
  /** Graph title (dot only; Mermaid has no portable title in a bare flowchart). */
  title?: string;
  /** Show each task's estimate under its id. */
  estimates?: boolean;
}

const CRITICAL_COLOUR = '#d62728';

interface Edge {
  from: string;
  to: string;
}

/** Dependency edges in board order, each once, leaving out ids that are not tasks of the board. */
function edgesOf(tasks: readonly GraphTask[]): Edge[] {
  const known = new Set(tasks.map((t) => t.id));
  const edges: Edge[] = [];
  for (const task of tasks) {
    for (const dep of new Set(task.dependsOn)) if (known.has(dep)) edges.push({ from: dep, to: task.id });
  }
  return edges;
}

function criticalEdges(path: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i + 1 < path.length; i++) keys.add(`${path[i]}\u0000${path[i + 1]}`);
  return keys;
}

function label(task: GraphTask, estimates: boolean): string {
  return estimates ? `${task.id} (${formatDuration(task.estimateMs)})` : task.id;
}

/**
 * Mermaid node ids are generated (`t0`, `t1`, ...) and the task id goes in a quoted label, because
 * a bare id such as `end`, `graph` or one containing `-` or `.` can break Mermaid's parser.
 */
export function formatMermaid(tasks: readonly GraphTask[], options: GraphPictureOptions = {}): string {
  const { criticalPath = [], estimates = true } = options;
  const nodeId = new Map(tasks.map((t, i) => [t.id, `t${i}`]));
  const lines = ['flowchart LR'];
  for (const task of tasks) lines.push(`  ${nodeId.get(task.id)!}["${escapeMermaid(label(task, estimates))}"]`);
  const onPath = criticalEdges(criticalPath);
  const criticalLinks: number[] = [];
  edgesOf(tasks).forEach((edge, index) => {
    lines.push(`  ${nodeId.get(edge.from)!} --> ${nodeId.get(edge.to)!}`);
    if (onPath.has(`${edge.from}\u0000${edge.to}`)) criticalLinks.push(index);
  });
  const criticalNodes = criticalPath.flatMap((id) => nodeId.get(id) ?? []);
  if (criticalNodes.length > 0) {
    lines.push(`  classDef critical stroke:${CRITICAL_COLOUR},stroke-width:3px`);
    lines.push(`  class ${criticalNodes.join(',')} critical`);
  }
  // linkStyle addresses edges by their order of appearance above.
  if (criticalLinks.length > 0)
    lines.push(`  linkStyle ${criticalLinks.join(',')} stroke:${CRITICAL_COLOUR},stroke-width:3px`);
  return lines.join('\n') + '\n';
}

/** Inside a quoted Mermaid label only entity codes are safe for quotes and markup characters. */
function escapeMermaid(text: string): string {
  return text.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

export function formatDot(tasks: readonly GraphTask[], options: GraphPictureOptions = {}): string {
  const { criticalPath = [], estimates = true, title = 'board' } = options;
  const critical = new Set(criticalPath);
  const onPath = criticalEdges(criticalPath);
  const highlight = `color="${CRITICAL_COLOUR}", penwidth=2`;
  const lines = [`digraph ${quoteDot(title)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const task of tasks) {
    const text = estimates ? `${task.id}\n${formatDuration(task.estimateMs)}` : task.id;
    lines.push(`  ${quoteDot(task.id)} [label=${quoteDot(text)}${critical.has(task.id) ? `, ${highlight}` : ''}];`);
  }
  for (const edge of edgesOf(tasks)) {
    const style = onPath.has(`${edge.from}\u0000${edge.to}`) ? ` [${highlight}]` : '';
    lines.push(`  ${quoteDot(edge.from)} -> ${quoteDot(edge.to)}${style};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** A DOT quoted string: every id is quoted so keywords (`node`, `edge`) and punctuation are safe. */
function quoteDot(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}
