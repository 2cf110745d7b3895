/**
 * One follower per watched board, shared by every browser watching it: it follows the board with
 * BoardClient.follow (status deltas, `changedSince`) and pushes to its subscribers only the tasks
 * that changed since the last push. A new subscriber first gets everything the feed knows.
 * The follower stops a little after the last subscriber leaves (a page reload keeps it).
 */
import type { BoardClient, BoardSnapshot } from '../client/board-client.js';
import { describeStuck } from '../client/stuck-workflow.js';
import type { BoardResult, BoardStatus, TaskStatus } from '../core/run-state.js';

/** The board without its tasks: what every push carries. */
export type BoardSummary = Omit<BoardStatus, 'tasks' | 'page'> & { metrics?: BoardResult['metrics'] };

export type FeedEvent =
  | {
      type: 'snapshot';
      board?: BoardSummary;
      tasks: TaskStatus[];
      runningAttempts: Record<string, number>;
      ended: boolean;
      waiting?: string;
    }
  | { type: 'tasks'; board: BoardSummary; tasks: TaskStatus[]; runningAttempts: Record<string, number> }
  | { type: 'waiting'; message: string }
  | { type: 'end'; board: BoardSummary };

export interface FeedOptions {
  intervalMs?: number;
  /** How long a feed nobody watches keeps following (default 10 s). */
  lingerMs?: number;
  /** Pause before following again after an error (the server went away, say). */
  retryMs?: number;
}

export class BoardFeed {
  private readonly tasks = new Map<string, TaskStatus>();
  private readonly subscribers = new Set<(event: FeedEvent) => void>();
  private board: BoardSummary | undefined;
  private runningAttempts: Record<string, number> = {};
  private waiting: string | undefined;
  ended = false;
  private abort: AbortController | undefined;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    private readonly boards: BoardClient,
    readonly boardId: string,
    private readonly options: FeedOptions = {},
  ) {}

  /** Everything known now: the board, every task seen so far. */
  current(): Extract<FeedEvent, { type: 'snapshot' }> {
    return {
      type: 'snapshot',
      ...(this.board ? { board: this.board } : {}),
      tasks: [...this.tasks.values()],
      runningAttempts: this.runningAttempts,
      ended: this.ended,
      ...(this.waiting ? { waiting: this.waiting } : {}),
    };
  }

  get watched(): boolean {
    return this.subscribers.size > 0;
  }

  task(id: string): TaskStatus | undefined {
    return this.tasks.get(id);
  }

  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.subscribers.add(listener);
    clearTimeout(this.linger);
    listener(this.current());
    if (!this.abort && !this.ended) this.start();
    return () => {
      this.subscribers.delete(listener);
      if (this.subscribers.size > 0) return;
      this.linger = setTimeout(() => this.stop(), this.options.lingerMs ?? 10_000);
      this.linger.unref();
    };
  }

  stop(): void {
    clearTimeout(this.linger);
    this.abort?.abort();
    this.abort = undefined;
  }

  private start(): void {
    const abort = new AbortController();
    this.abort = abort;
    void this.run(abort.signal);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.ended) {
      try {
        const result = await this.boards.follow(this.boardId, (status, snapshot) => this.receive(status, snapshot), {
          signal,
          intervalMs: this.options.intervalMs ?? 500,
        });
        if (result) {
          this.ended = true;
          this.emit({ type: 'end', board: summary(result) });
        }
      } catch (error) {
        this.waiting = `cannot read the board: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}; trying again`;
        this.emit({ type: 'waiting', message: this.waiting });
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 2_000).unref());
      }
    }
    if (this.abort?.signal === signal) this.abort = undefined;
  }

  private receive(status: BoardStatus | undefined, snapshot: BoardSnapshot): void {
    this.runningAttempts = snapshot.runningAttempts;
    if (!status) {
      this.waiting = snapshot.stuck
        ? describeStuck(snapshot.stuck)
        : `no worker answers: nothing is polling task queue "${snapshot.description.taskQueue}"`;
      this.emit({ type: 'waiting', message: this.waiting });
      return;
    }
    this.waiting = undefined;
    // follow() keeps the object of a task that did not change: identity says what changed.
    const changed: TaskStatus[] = [];
    for (const task of status.tasks) {
      if (this.tasks.get(task.id) === task) continue;
      this.tasks.set(task.id, task);
      changed.push(task);
    }
    this.board = summary(status);
    this.emit({ type: 'tasks', board: this.board, tasks: changed, runningAttempts: this.runningAttempts });
  }

  private emit(event: FeedEvent): void {
    for (const listener of this.subscribers) listener(event);
  }
}

function summary(status: BoardStatus | BoardResult): BoardSummary {
  const { tasks: _tasks, page: _page, ...rest } = status;
  return rest;
}

/** The feeds of every board some page watches, one per board. */
export class FeedHub {
  private readonly feeds = new Map<string, BoardFeed>();

  constructor(
    private readonly boards: BoardClient,
    private readonly options: FeedOptions = {},
  ) {}

  feed(boardId: string): BoardFeed {
    let feed = this.feeds.get(boardId);
    // A board that ended may have been run again since: a new watcher gets a new feed.
    if (!feed || (feed.ended && !feed.watched)) {
      feed = new BoardFeed(this.boards, boardId, this.options);
      this.feeds.set(boardId, feed);
    }
    return feed;
  }

  /** The board's feed if some page watched it, without starting one (a log read needs no follower). */
  peek(boardId: string): BoardFeed | undefined {
    return this.feeds.get(boardId);
  }

  /** Feeds following right now (tests check that pages share one). */
  get size(): number {
    return this.feeds.size;
  }

  close(): void {
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
  }
}
