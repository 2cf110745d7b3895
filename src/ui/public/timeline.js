// The timeline: one row per task, its planned bar (from the estimates, dashed) above its actual
// one (startedAt → endedAt, or now while it runs). Rows are virtualised: only the rows in view
// are drawn, so a 10,000-task board scrolls as lightly as a small one.
import { duration, h, s } from './dom.js';
import { activate } from './graph.js';

const ROW = 22;
const LABEL = 170;
const WIDTH = 900;
const OVERSCAN = 10;

export class TimelineView {
  constructor(picture, statusOf, board, onOpen) {
    this.picture = picture;
    this.statusOf = statusOf;
    this.board = board;
    this.onOpen = onOpen;
    const ids = picture.tasks.map((t) => t.id);
    const plan = picture.planned;
    this.rows = ids.sort((a, b) => (plan[a]?.startMs ?? 0) - (plan[b]?.startMs ?? 0) || a.localeCompare(b));
    this.root = h('div', {
      class: 'scroller',
      id: 'timeline',
      tabindex: 0,
      'aria-label': 'Timeline of tasks, planned and actual',
    });
    this.spacer = h('div');
    this.root.append(this.spacer);
    this.root.addEventListener('scroll', () => this.draw());
  }

  render() {
    this.spacer.style.height = `${this.rows.length * ROW + 30}px`;
    this.spacer.style.position = 'relative';
    this.draw();
    return this.root;
  }

  scale() {
    const start = this.board().startedAt ?? Date.now();
    let end = this.picture.plannedMakespanMs;
    const now = (this.board().endedAt ?? Date.now()) - start;
    end = Math.max(end, now, 1);
    return { start, end, px: (WIDTH - LABEL - 10) / end };
  }

  draw() {
    if (this.rows.length === 0) {
      this.spacer.replaceChildren(h('p', { class: 'note' }, this.picture.graphError ?? 'No tasks to show.'));
      return;
    }
    const { start, end, px } = this.scale();
    const top = this.root.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const visible = Math.ceil((this.root.clientHeight || 500) / ROW) + OVERSCAN * 2;
    const last = Math.min(this.rows.length, first + visible);
    const svg = s('svg', {
      width: WIDTH,
      height: (last - first) * ROW + 24,
      role: 'group',
      'aria-label': `Tasks ${first + 1} to ${last} of ${this.rows.length}`,
    });
    svg.style.position = 'absolute';
    svg.style.top = `${first * ROW}px`;
    // A time axis every fifth of the span.
    for (let i = 0; i <= 5; i++) {
      const x = LABEL + (end / 5) * i * px;
      svg.append(
        s('line', { class: 'axis', x1: x, x2: x, y1: 0, y2: (last - first) * ROW + 10 }),
        s('text', { x: x + 2, y: (last - first) * ROW + 20 }, duration((end / 5) * i)),
      );
    }
    const now = Date.now();
    for (let r = first; r < last; r++) {
      const id = this.rows[r];
      const y = (r - first) * ROW;
      const task = this.statusOf(id);
      const state = task?.state ?? 'pending';
      const row = s(
        'g',
        { 'data-task': id, role: 'button', tabindex: 0, 'aria-label': `Task ${id}, ${state}` },
        s('text', { x: 4, y: y + 15 }, id.length > 22 ? `${id.slice(0, 21)}…` : id),
      );
      const plan = this.picture.planned[id];
      if (plan)
        row.append(
          s('rect', {
            class: 'bar-planned',
            x: LABEL + plan.startMs * px,
            y: y + 2,
            width: Math.max(2, (plan.endMs - plan.startMs) * px),
            height: 7,
          }),
        );
      if (task?.startedAt) {
        const from = task.startedAt - start;
        const to = (task.endedAt ?? (state === 'running' ? now : task.startedAt)) - start;
        row.append(
          s(
            'rect',
            {
              class: `bar s-${state}`,
              x: LABEL + from * px,
              y: y + 11,
              width: Math.max(2, (to - from) * px),
              height: 8,
            },
            s(
              'title',
              {},
              `${id}: ${state}, ${duration(to - from)}${task.attempts > 1 ? `, ${task.attempts} attempts` : ''}`,
            ),
          ),
        );
      }
      activate(row, () => this.onOpen(id));
      svg.append(row);
    }
    this.spacer.replaceChildren(svg);
  }
}
