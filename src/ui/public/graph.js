// The dependency graph, one column per wave (execution level), drawn as SVG. A task's state
// change recolours its node in place. Big boards collapse: a wave shows its first tasks and a
// "+N more" control, and edges are drawn only while the picture is small enough to read them.
import { h, s, STATES } from './dom.js';

const COL = 190;
const NODE_W = 170;
const NODE_H = 24;
const ROW = 30;
const PAD = 24;
/** Tasks shown per wave before it collapses. */
const WAVE_SHOWN = 25;
/** Edges only while this few nodes are drawn: beyond it they are noise. */
const MAX_EDGE_NODES = 400;

export class GraphView {
  constructor(picture, statusOf, onOpen) {
    this.picture = picture;
    this.statusOf = statusOf;
    this.onOpen = onOpen;
    this.expanded = new Set();
    this.nodes = new Map();
    this.root = h('div', { class: 'scroller', id: 'graph' });
  }

  render() {
    const { waves, tasks } = this.picture;
    const byId = new Map(tasks.map((t) => [t.id, t]));
    this.nodes.clear();
    this.root.replaceChildren();
    if (waves.length === 0) {
      this.root.append(h('p', { class: 'note' }, this.picture.graphError ?? 'No graph for this board.'));
      return this.root;
    }
    const positions = new Map();
    let tallest = 0;
    waves.forEach((wave, w) => {
      const shown = this.expanded.has(w) ? wave : wave.slice(0, WAVE_SHOWN);
      shown.forEach((id, i) => positions.set(id, { x: PAD + w * COL, y: PAD + 20 + i * ROW }));
      tallest = Math.max(tallest, shown.length + (shown.length < wave.length ? 1 : 0));
    });
    const width = PAD * 2 + waves.length * COL;
    const height = PAD * 2 + 20 + tallest * ROW;
    const svg = s('svg', {
      width,
      height,
      role: 'group',
      'aria-label': `Dependency graph: ${tasks.length} tasks in ${waves.length} waves`,
    });
    const edges = s('g', { 'aria-hidden': 'true' });
    svg.append(edges);
    if (positions.size <= MAX_EDGE_NODES) {
      for (const [id, to] of positions) {
        for (const dep of byId.get(id)?.dependsOn ?? []) {
          const from = positions.get(dep);
          if (!from) continue;
          const x1 = from.x + NODE_W;
          const y1 = from.y + NODE_H / 2;
          const x2 = to.x;
          const y2 = to.y + NODE_H / 2;
          edges.append(s('path', { class: 'edge', d: `M${x1},${y1} C${x1 + 10},${y1} ${x2 - 10},${y2} ${x2},${y2}` }));
        }
      }
    }
    waves.forEach((wave, w) => {
      svg.append(s('text', { x: PAD + w * COL, y: PAD + 8 }, `wave ${w + 1} (${wave.length})`));
      const shown = this.expanded.has(w) ? wave : wave.slice(0, WAVE_SHOWN);
      for (const id of shown) svg.append(this.node(id, positions.get(id)));
      if (shown.length < wave.length) {
        const y = PAD + 20 + shown.length * ROW;
        const more = s(
          'g',
          {
            class: 'wave-more',
            tabindex: 0,
            role: 'button',
            'aria-label': `Show all ${wave.length} tasks of wave ${w + 1}`,
          },
          s('rect', { x: PAD + w * COL, y, width: NODE_W, height: NODE_H, rx: 4, fill: '#ffffff', stroke: '#1d4ed8' }),
          s(
            'text',
            { x: PAD + w * COL + 8, y: y + 16 },
            `+${wave.length - shown.length} more: ${this.waveCounts(wave)}`,
          ),
        );
        activate(more, () => {
          this.expanded.add(w);
          this.render();
        });
        svg.append(more);
      }
    });
    this.root.append(svg);
    return this.root;
  }

  waveCounts(wave) {
    const counts = {};
    for (const id of wave) {
      const state = this.statusOf(id)?.state ?? 'pending';
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return STATES.filter((st) => counts[st])
      .map((st) => `${counts[st]} ${st}`)
      .join(', ');
  }

  node(id, at) {
    const state = this.statusOf(id)?.state ?? 'pending';
    const label = id.length > 22 ? `${id.slice(0, 21)}…` : id;
    const g = s(
      'g',
      { class: `node s-${state}`, tabindex: 0, role: 'button', 'data-task': id, 'aria-label': `Task ${id}, ${state}` },
      s('title', {}, `${id}: ${state}`),
      s('rect', { x: at.x, y: at.y, width: NODE_W, height: NODE_H, rx: 4 }),
      s('text', { x: at.x + 8, y: at.y + 16 }, label),
    );
    activate(g, () => this.onOpen(id));
    this.nodes.set(id, g);
    return g;
  }

  /** A task changed: recolour its node, nothing else. */
  update(task) {
    const g = this.nodes.get(task.id);
    if (!g) return;
    g.setAttribute('class', `node s-${task.state}`);
    g.setAttribute('aria-label', `Task ${task.id}, ${task.state}`);
    g.querySelector('title').textContent = `${task.id}: ${task.state}`;
  }
}

/** Click, Enter or Space: what a button does, for SVG elements that act as buttons. */
export function activate(el, action) {
  el.addEventListener('click', action);
  el.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      action();
    }
  });
}
