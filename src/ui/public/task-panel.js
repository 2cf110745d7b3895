// One task's details beside the board: agent, attempts, durations, usage and cost, checks,
// changed files, reason and output tail, and a live tail of its log (read from where the server
// runs, polled while the panel is open). Cancel and Retry call the server's actions; a task waiting
// at its approval gate gets Approve and Reject, with a comment.
import { duration, h, replace, usageText } from './dom.js';

const LOG_POLL_MS = 1000;

export class TaskPanel {
  constructor(api, boardId, onClose) {
    this.api = api;
    this.boardId = boardId;
    this.onClose = onClose;
    this.root = h('aside', { class: 'task', 'aria-label': 'Task details' });
    this.taskId = undefined;
    this.timer = undefined;
    this.log = { path: undefined, offset: undefined, text: '' };
    // The decision form outlives re-renders (the board's feed re-renders the panel often): a
    // comment being typed must not vanish. A new wait (another gate, another round) gets a new form.
    this.decision = { key: undefined, form: undefined };
  }

  /** `spec` is the task as the board defines it (agent, type, estimate), from the graph. */
  open(task, spec) {
    this.spec = spec ?? this.spec;
    const changedTask = this.taskId !== task.id;
    this.taskId = task.id;
    if (changedTask) {
      this.log = { path: undefined, offset: undefined, text: '' };
      this.stopLog();
      this.render(task);
      void this.pollLog();
      this.root.querySelector('h2')?.focus();
    } else {
      this.render(task);
    }
  }

  close() {
    this.stopLog();
    this.taskId = undefined;
    this.root.replaceChildren();
    this.onClose();
  }

  stopLog() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  render(task) {
    // A task waiting for approval can be cancelled like a pending one.
    const running = ['running', 'pending', 'awaiting-approval'].includes(task.state);
    const retryable = ['failed', 'conflicted', 'cancelled'].includes(task.state);
    const rows = [
      ['State', h('span', { class: `badge s-${task.state}` }, task.state)],
      ['Type', this.spec?.type ?? '—'],
      ['Agent', task.agent ?? this.spec?.agent ?? '—'],
      ['Estimate', this.spec ? duration(this.spec.estimateMs) : '—'],
      ['Attempts', String(task.state === 'running' ? Math.max(1, task.attempts ?? 0) : (task.attempts ?? 0))],
      ['Started', task.startedAt ? new Date(task.startedAt).toLocaleTimeString() : '—'],
      [
        'Duration',
        task.durationMs !== undefined
          ? duration(task.durationMs)
          : task.startedAt
            ? duration((task.endedAt ?? Date.now()) - task.startedAt)
            : '—',
      ],
      ['Usage', usageText(task.usage)],
      ...cacheRow(task.cache),
    ];
    if (task.commit)
      rows.push([
        'Commit',
        task.commit.changed
          ? `${task.commit.sha.slice(0, 8)} +${task.commit.insertions} −${task.commit.deletions} in ${task.commit.files} files`
          : 'no changes',
      ]);
    replace(
      this.root,
      h('h2', { tabindex: -1 }, `Task ${task.id}`),
      this.spec?.description ? h('p', { class: 'note' }, this.spec.description) : undefined,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            id: 'task-cancel',
            disabled: !running,
            onclick: () => this.api.act(`tasks/${encodeURIComponent(task.id)}/cancel`),
          },
          'Cancel task',
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'task-retry',
            disabled: !retryable,
            onclick: () => this.api.act(`tasks/${encodeURIComponent(task.id)}/retry`),
          },
          'Retry task',
        ),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.close() }, 'Close'),
      ),
      this.temporalLink
        ? h(
            'p',
            {},
            h(
              'a',
              { href: this.temporalLink, target: '_blank', rel: 'noopener' },
              "This board's workflow in the Temporal Web UI",
            ),
          )
        : undefined,
      task.state === 'awaiting-approval' ? this.decisionForm(task) : undefined,
      task.feedback
        ? h('p', {}, h('strong', {}, 'Sent back: '), `${task.feedback.from}: ${task.feedback.comment}`)
        : undefined,
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))),
        ),
      ),
      task.reason ? h('p', {}, h('strong', {}, 'Reason: '), task.reason) : undefined,
      task.validation?.length
        ? h(
            'div',
            {},
            h('h3', {}, 'Checks'),
            h(
              'ul',
              {},
              task.validation.map((v) =>
                h('li', {}, `${v.passed ? '✔' : '✖'} ${v.command}${v.required ? '' : ' (optional)'}`),
              ),
            ),
          )
        : undefined,
      task.commit?.paths?.length
        ? h(
            'div',
            {},
            h('h3', {}, 'Changed files'),
            h(
              'ul',
              {},
              task.commit.paths.map((f) => h('li', {}, f)),
            ),
          )
        : undefined,
      task.conflictFiles?.length
        ? h(
            'div',
            {},
            h('h3', {}, 'Conflicting files'),
            h(
              'ul',
              {},
              task.conflictFiles.map((f) => h('li', {}, f)),
            ),
          )
        : undefined,
      h('h3', {}, 'Log'),
      h('p', { class: 'note', id: 'log-path' }, this.log.path ?? ''),
      h(
        'pre',
        { id: 'task-log', role: 'log', tabindex: 0, 'aria-label': `Log of ${task.id}`, 'aria-live': 'off' },
        this.log.text || (task.outputTail ?? ''),
      ),
    );
  }

  /** Approve or reject the work waiting at its gate; a rejection needs a comment, which the task is told. */
  decisionForm(task) {
    const wait = task.approval ?? {};
    const key = `${task.id}:${wait.since}:${task.attempts}`;
    if (this.decision.key === key) return this.decision.form;
    const comment = h('textarea', { id: 'decision-comment', rows: 3, maxlength: 8_000 });
    const final = h('input', { type: 'checkbox', id: 'decision-final' });
    const send = (action) => {
      const body = { comment: comment.value };
      if (action === 'reject') body.final = final.checked;
      void this.api.act(`tasks/${encodeURIComponent(task.id)}/${action}`, body);
    };
    const since = wait.since ? ` (since ${new Date(wait.since).toLocaleString()})` : '';
    const what =
      wait.gate === 'before'
        ? `It waits for your approval to start${since}.`
        : `Its work passed its checks and waits for your approval to go in${since}.`;
    const deadline = wait.deadline
      ? ` Unless someone decides by ${new Date(wait.deadline).toLocaleString()}, it is ${
          { approve: 'approved', reject: 'rejected', fail: 'failed' }[wait.onTimeout] ?? 'decided'
        } by its deadline.`
      : '';
    const form = h(
      'form',
      { class: 'decision', 'aria-label': 'Approval', onsubmit: (event) => event.preventDefault() },
      h('h3', {}, 'Waiting for approval'),
      h('p', { id: 'decision-wait' }, `${what}${deadline}`),
      h('label', { for: 'decision-comment' }, 'Comment (a rejection must say why: the task is told)'),
      comment,
      h('label', {}, final, ' Reject for good (the task fails, its dependents are skipped)'),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'task-approve', onclick: () => send('approve') }, 'Approve'),
        h('button', { type: 'button', class: 'danger', id: 'task-reject', onclick: () => send('reject') }, 'Reject'),
      ),
    );
    this.decision = { key, form };
    return form;
  }

  async pollLog() {
    const id = this.taskId;
    if (!id) return;
    const offset = this.log.offset !== undefined ? `?offset=${this.log.offset}` : '';
    try {
      const answer = await this.api.get(`tasks/${encodeURIComponent(id)}/log${offset}`);
      if (this.taskId !== id) return;
      const pre = this.root.querySelector('#task-log');
      const where = this.root.querySelector('#log-path');
      if (answer.found) {
        // A new attempt writes a new file: start over from its beginning.
        if (answer.path !== this.log.path) this.log = { path: answer.path, offset: undefined, text: '' };
        this.log.text = (this.log.text + answer.text).slice(-200_000);
        this.log.offset = answer.offset;
        if (pre) {
          const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
          pre.textContent = this.log.text;
          if (atEnd) pre.scrollTop = pre.scrollHeight;
        }
        if (where) where.textContent = answer.path;
      } else if (where) {
        where.textContent = answer.message;
      }
    } catch (error) {
      const where = this.root.querySelector('#log-path');
      if (where) where.textContent = `could not read the log: ${error.message}`;
    }
    if (this.taskId === id) this.timer = setTimeout(() => void this.pollLog(), LOG_POLL_MS);
  }
}

/** Read from the cache (what it spared, and which board's run it replays), or why the cache was passed over. */
function cacheRow(cache) {
  if (!cache) return [];
  if (cache.hit) {
    const saved = cache.saved;
    const spend = saved?.usage ? `, ${usageText(saved.usage)}` : '';
    const from = saved ? ` (run by ${saved.taskId} of ${saved.boardId})` : '';
    const text = ` saved ${duration(saved?.durationMs ?? 0)}${spend}${from}`;
    return [['Cache', h('span', {}, h('span', { class: 'badge s-succeeded' }, 'cached'), text)]];
  }
  return cache.note ? [['Cache', cache.note]] : [];
}
