/* global document, window, location, requestAnimationFrame */
// The web board: the list of boards, and one board live (graph, timeline, tasks, one task's
// details). State comes from the server's SSE stream: everything once, then only what changed.
// Every request but the page's own files needs the token (api.js), the live feed included.
import {
  authHeaders,
  forgetToken,
  getJson,
  hasToken,
  keepToken,
  postJson,
  takeTokenFromFragment,
  TokenRefused,
} from './api.js';
import { countOf, duration, h, replace, STATES, usageText } from './dom.js';
import { GraphView } from './graph.js';
import { openLiveFeed } from './live-feed.js';
import { TaskPanel } from './task-panel.js';
import { TimelineView } from './timeline.js';

const app = document.getElementById('app');
const connection = document.getElementById('connection');
const toast = document.getElementById('toast');
let current; // the view being shown: closed when another replaces it, so its late answers are dropped
let toastTimer;

window.addEventListener('hashchange', route);
route();

function say(text) {
  toast.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.textContent = ''), 6000);
}

async function post(path, body = {}) {
  try {
    say((await postJson(path, body)).message);
  } catch (error) {
    if (error instanceof TokenRefused) return askForToken(error.message);
    say(`Failed: ${error.message}`);
  }
}

function route() {
  current?.close();
  current = undefined;
  takeTokenFromFragment();
  if (!hasToken()) return askForToken();
  const match = /^#\/board\/(.+)$/.exec(location.hash);
  current = match ? boardView(decodeURIComponent(match[1])) : listView();
}

// ── no token, or a stale one ───────────────────────────────────────────────────────────
function askForToken(refusal) {
  current?.close();
  current = undefined;
  if (refusal) forgetToken();
  document.title = 'Todone: token needed';
  const input = h('input', { id: 'token-input', type: 'password', autocomplete: 'off', required: true });
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event) => {
        event.preventDefault();
        keepToken(input.value);
        route();
      },
    },
    h('label', {}, 'Token', input),
    h('button', { type: 'submit' }, 'Use it'),
  );
  replace(
    app,
    h('h1', {}, 'Token needed'),
    h(
      'p',
      {},
      'This board shows nothing without the token that ',
      h('code', {}, 'todone ui'),
      ' printed: open the link it printed (the token is in the part after #, which the browser never sends), or paste the token here.',
    ),
    refusal ? h('p', { class: 'note', role: 'status' }, refusal) : undefined,
    form,
  );
  connection.textContent = '';
}

// ── the list of boards ─────────────────────────────────────────────────────────────────
function listView() {
  document.title = 'Todone boards';
  const name = h('input', { id: 'filter-name', type: 'search', placeholder: 'part of the board id' });
  const state = h(
    'select',
    { id: 'filter-state' },
    ['', 'running', 'completed', 'failed', 'cancelled', 'terminated', 'closed'].map((v) =>
      h('option', { value: v }, v || 'any'),
    ),
  );
  const body = h('tbody');
  let closed = false;
  const load = async () => {
    const query = new URLSearchParams();
    if (name.value) query.set('name', name.value);
    if (state.value) query.set('state', state.value);
    try {
      const { boards } = await getJson(`/api/boards?${query}`);
      if (closed) return;
      body.replaceChildren(
        ...(boards.length
          ? boards.map((b) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: `#/board/${encodeURIComponent(b.boardId)}` }, b.boardId)),
                h('td', {}, h('span', { class: 'badge' }, b.state.toLowerCase())),
                h('td', {}, new Date(b.startedAt).toLocaleString()),
                h('td', {}, b.closedAt ? new Date(b.closedAt).toLocaleString() : '—'),
                h('td', {}, b.taskQueue),
              ),
            )
          : [h('tr', {}, h('td', { colspan: 5 }, 'No boards match.'))]),
      );
    } catch (error) {
      if (closed) return;
      if (error instanceof TokenRefused) return askForToken(error.message);
      body.replaceChildren(h('tr', {}, h('td', { colspan: 5 }, `Could not list boards: ${error.message}`)));
    }
  };
  let debounce;
  name.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(load, 250);
  });
  state.addEventListener('change', load);
  app.replaceChildren(
    h('h1', {}, 'Boards'),
    h(
      'div',
      { class: 'filters' },
      h('label', {}, 'Name', name),
      h('label', {}, 'State', state),
      h('button', { type: 'button', class: 'secondary', onclick: load }, 'Refresh'),
    ),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Board', 'State', 'Started', 'Ended', 'Task queue'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      body,
    ),
  );
  void load();
  return {
    close() {
      closed = true;
      clearTimeout(debounce);
    },
  };
}

// ── one board, live ───────────────────────────────────────────────────────────────────
function boardView(boardId) {
  document.title = `${boardId} · Todone`;
  const base = `/api/boards/${encodeURIComponent(boardId)}`;
  const tasks = new Map();
  let board;
  let picture = { tasks: [], waves: [], planned: {}, plannedMakespanMs: 0 };
  let etaMs;
  let waiting;
  let tab = 'graph';
  let graph;
  let timeline;
  let redraw = false;
  let ticker;
  let closed = false;
  const statusOf = (id) => tasks.get(id);
  const api = { get: (path) => getJson(`${base}/${path}`), act: (path, body) => post(`${base}/${path}`, body) };
  const panel = new TaskPanel(api, boardId, () => undefined);
  const openTask = (id) => {
    const task = tasks.get(id) ?? { id, state: 'pending', attempts: 0 };
    panel.open(
      task,
      picture.tasks.find((t) => t.id === id),
    );
    layout.append(panel.root);
  };

  const header = h('div');
  const tabs = h('div', { role: 'tablist', 'aria-label': 'Views' });
  const view = h('div', { class: 'panel', role: 'tabpanel', id: 'view' });
  const layout = h('div', { class: 'layout' }, h('div', {}, tabs, view));
  app.replaceChildren(h('p', {}, h('a', { href: '#/' }, '← all boards')), header, layout);

  function renderHeader() {
    if (!board) {
      replace(header, h('h1', {}, boardId), h('p', { class: 'note' }, waiting ?? 'Connecting…'));
      return;
    }
    const c = board.counts;
    const done = c.succeeded + c.failed + c.conflicted + c.skipped + c.cancelled;
    const elapsed = (board.endedAt ?? Date.now()) - board.startedAt;
    const running = board.state === 'running';
    const stats = [
      ['State', h('span', { id: 'board-state', class: 'badge' }, board.paused && running ? 'paused' : board.state)],
      ['Done', `${done}/${c.total}`],
      ...STATES.filter((st) => countOf(c, st)).map((st) => [
        st,
        h('span', { class: `badge s-${st}`, 'data-count': st }, String(countOf(c, st))),
      ]),
      ['Elapsed', duration(elapsed)],
      ['ETA', running ? (etaMs !== undefined ? duration(etaMs) : '—') : '—'],
      ['Planned', duration(picture.plannedMakespanMs)],
      ['Cost', usageText(board.usage)],
      ...cacheStat([...tasks.values()]),
      ['maxParallel', String(board.maxParallel)],
    ];
    replace(
      header,
      h('h1', {}, board.name, board.name !== boardId ? h('span', { class: 'note' }, ` (${boardId})`) : undefined),
      h(
        'div',
        { class: 'summary' },
        h(
          'dl',
          {},
          stats.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
        ),
        h(
          'div',
          { class: 'actions' },
          board.paused
            ? h('button', { type: 'button', disabled: !running, onclick: () => api.act('resume') }, 'Resume')
            : h('button', { type: 'button', disabled: !running, onclick: () => api.act('pause') }, 'Pause'),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              id: 'board-cancel',
              disabled: !running,
              onclick: () => {
                if (window.confirm(`Cancel board ${boardId}?`)) void api.act('cancel');
              },
            },
            'Cancel board',
          ),
          picture.temporalLink
            ? h('a', { href: picture.temporalLink, target: '_blank', rel: 'noopener' }, 'Temporal Web UI')
            : undefined,
        ),
      ),
      waiting ? h('p', { class: 'note', role: 'status' }, waiting) : undefined,
    );
  }

  function renderTabs() {
    tabs.replaceChildren(
      ...['graph', 'timeline', 'tasks'].map((name) => {
        const tabEl = h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `tab-${name}`,
            'aria-selected': String(tab === name),
            'aria-controls': 'view',
            tabindex: tab === name ? 0 : -1,
            onclick: () => {
              tab = name;
              renderTabs();
              renderView();
            },
          },
          name[0].toUpperCase() + name.slice(1),
        );
        tabEl.addEventListener('keydown', (event) => {
          const names = ['graph', 'timeline', 'tasks'];
          const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
          if (!step) return;
          tab = names[(names.indexOf(tab) + step + names.length) % names.length];
          renderTabs();
          renderView();
          tabs.querySelector(`#tab-${tab}`)?.focus();
        });
        return tabEl;
      }),
    );
  }

  function renderView() {
    graph = undefined;
    timeline = undefined;
    if (tab === 'graph') {
      graph = new GraphView(picture, statusOf, openTask);
      view.replaceChildren(legend(), graph.render());
    } else if (tab === 'timeline') {
      timeline = new TimelineView(picture, statusOf, () => board ?? {}, openTask);
      view.replaceChildren(
        h('p', { class: 'note' }, 'Dashed: planned from the estimates. Filled: the actual attempt.'),
        timeline.render(),
      );
    } else {
      view.replaceChildren(taskTable());
    }
  }

  function legend() {
    return h(
      'div',
      { class: 'legend', 'aria-label': 'States' },
      STATES.map((st) => h('span', { class: `badge s-${st}` }, st)),
    );
  }

  function taskTable() {
    const filter = h('input', { type: 'search', id: 'task-filter', placeholder: 'task id' });
    const stateSel = h(
      'select',
      { id: 'task-state' },
      ['', ...STATES].map((v) => h('option', { value: v }, v || 'any')),
    );
    const body = h('tbody');
    const fill = () => {
      const ids = picture.tasks.length ? picture.tasks.map((t) => t.id) : [...tasks.keys()];
      const rows = ids
        .map((id) => tasks.get(id) ?? { id, state: 'pending', attempts: 0 })
        .filter(
          (t) => (!filter.value || t.id.includes(filter.value)) && (!stateSel.value || t.state === stateSel.value),
        );
      body.replaceChildren(
        ...rows
          .slice(0, 300)
          .map((t) =>
            h(
              'tr',
              {},
              h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => openTask(t.id) }, t.id)),
              h('td', {}, h('span', { class: `badge s-${t.state}` }, t.state)),
              h('td', {}, t.agent ?? '—'),
              h('td', {}, String(t.attempts ?? 0)),
              h('td', {}, t.durationMs !== undefined ? duration(t.durationMs) : '—'),
              h('td', {}, usageText(t.usage)),
              h('td', {}, (t.reason ?? '').slice(0, 120)),
            ),
          ),
      );
      if (rows.length > 300)
        body.append(h('tr', {}, h('td', { colspan: 7 }, `${rows.length - 300} more: narrow the filter.`)));
    };
    filter.addEventListener('input', fill);
    stateSel.addEventListener('change', fill);
    fill();
    const wrap = h(
      'div',
      {},
      h('div', { class: 'filters' }, h('label', {}, 'Task', filter), h('label', {}, 'State', stateSel)),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Task', 'State', 'Agent', 'Attempts', 'Duration', 'Usage', 'Note'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        body,
      ),
    );
    wrap.refresh = fill;
    return wrap;
  }

  /** Header, timeline and table redraw at most once a frame; graph nodes change in place. */
  function scheduleRedraw() {
    if (redraw) return;
    redraw = true;
    requestAnimationFrame(() => {
      redraw = false;
      renderHeader();
      timeline?.draw();
      view.firstChild?.refresh?.();
    });
  }

  function apply(changed) {
    for (const task of changed) {
      tasks.set(task.id, task);
      graph?.update(task);
      if (panel.taskId === task.id) panel.open(task);
    }
  }

  async function loadPicture() {
    try {
      const answer = await getJson(`${base}/picture`);
      if (closed) return;
      picture = answer;
      panel.temporalLink = picture.temporalLink;
    } catch (error) {
      if (closed) return;
      if (error instanceof TokenRefused) return askForToken(error.message);
      picture = { ...picture, graphError: error.message };
    }
    renderView();
    renderHeader();
  }

  const onEvent = {
    snapshot(data) {
      tasks.clear();
      if (data.board) board = data.board;
      waiting = data.waiting;
      apply(data.tasks);
    },
    tasks(data) {
      const known = picture.tasks.length;
      board = data.board;
      waiting = undefined;
      apply(data.tasks);
      // Tasks were added to the running board: its picture changed.
      if (known && board.counts.total !== known) void loadPicture();
    },
    waiting(data) {
      waiting = data.message;
    },
    eta(data) {
      etaMs = data.etaMs;
    },
    end(data) {
      board = data.board;
      connection.textContent = `board ${board.state}`;
      events.close();
    },
  };
  const events = openLiveFeed(`${base}/events`, {
    headers: authHeaders,
    onEvent: (type, data) => {
      if (!Object.hasOwn(onEvent, type)) return;
      onEvent[type](JSON.parse(data));
      scheduleRedraw();
    },
    onState: (state, refusal) => {
      if (closed) return;
      if (state === 'open') connection.textContent = 'live';
      else if (state === 'reconnecting') connection.textContent = 'reconnecting…';
      else if (refusal.status === 401) askForToken(refusal.message);
      else connection.textContent = `no live feed: ${refusal.message}`;
    },
  });
  connection.textContent = 'connecting…';
  // Elapsed time and running bars move while nothing changes.
  const tick = () => {
    scheduleRedraw();
    ticker = setTimeout(tick, 1000);
  };
  ticker = setTimeout(tick, 1000);

  renderHeader();
  renderTabs();
  void loadPicture();
  return {
    close() {
      closed = true;
      events.close();
      clearTimeout(ticker);
      // Also ends a log poll in flight, which would otherwise schedule the next one.
      panel.close();
      connection.textContent = '';
    },
  };
}

/** `Cached: 3 (saved 4m 2s, 12k tok $0.03)` once any task was read from the cache. */
function cacheStat(tasks) {
  const hits = tasks.filter((t) => t.cache?.hit);
  if (hits.length === 0) return [];
  const ms = hits.reduce((sum, t) => sum + (t.cache.saved?.durationMs ?? 0), 0);
  const tokens = hits.reduce(
    (sum, t) => sum + (t.cache.saved?.usage?.inputTokens ?? 0) + (t.cache.saved?.usage?.outputTokens ?? 0),
    0,
  );
  const usd = hits.reduce((sum, t) => sum + (t.cache.saved?.usage?.costUsd ?? 0), 0);
  const spend = tokens
    ? `, ${usageText({ inputTokens: tokens, outputTokens: 0, ...(usd ? { costUsd: usd } : {}) })}`
    : '';
  return [['Cached', `${hits.length} (saved ${duration(ms)}${spend})`]];
}
