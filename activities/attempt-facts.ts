/**
 * What an attempt of the task activity must know about the attempts before it (what they spent,
 * where they ran), carried in the activity's heartbeat details. Temporal hands a retry the last
 * details its previous attempt recorded, on whichever worker the retry lands, so budgets hold and
 * the runs are listed across a fleet with nothing read from one machine's disk.
 *
 * Every heartbeat carries the facts, and a failing attempt records its final facts just before it
 * throws: the SDK sends the last details with the failure (the worker flushes a heartbeat that
 * throttling held back, and Core reports the latest details in the failure request), which
 * tests/workflow/fleet-attempts.test.ts checks. An attempt whose worker died counts what its last
 * heartbeat said: that it started, on which host, and no usage, since an agent's usage is read
 * only once it has exited.
 */
import os from 'node:os';
import type { Context, Info } from '@temporalio/activity';
import { carriedFacts, keepRuns, type AttemptRun, type CarriedFacts, type TaskOutcome } from '../src/core/outcome.js';
import { addUsage, budgetSpent, type Usage } from '../src/core/usage.js';
import type { RunTaskInput } from './types.js';

export { carriedFacts, type CarriedFacts } from '../src/core/outcome.js';

export class AttemptFacts {
  readonly earlier: CarriedFacts;
  readonly run: AttemptRun;
  /** Set once the attempt runs something: an attempt refused before that is not listed. */
  begun = false;
  private firstBeat: NodeJS.Timeout | undefined;
  /** Heartbeats while the attempt gets ready, until its agent's supervisor heartbeats instead. */
  private readying: NodeJS.Timeout | undefined;

  constructor(info: Pick<Info, 'attempt' | 'heartbeatDetails'>, host: string, log: string, now = Date.now()) {
    this.earlier = carriedFacts(info.heartbeatDetails);
    this.run = { attempt: info.attempt, host, log, startedAt: now };
  }

  /** Usage of the earlier attempts and of this one as far as its agent has reported. */
  get usage(): Usage | undefined {
    return addUsage(this.earlier.usage, this.run.usage);
  }

  /**
   * Lists this attempt in the facts, so that even a worker's death leaves where it ran: by a
   * heartbeat once the attempt has run `quietMs`, at once when 0. Each heartbeat is a write on the
   * server, as costly there as the rest of a short task: an attempt that ends sooner sends none,
   * its facts leave with its result or its failure (a worker dying in that moment leaves it
   * unlisted, and that is all it costs).
   */
  begin(ctx: Pick<Context, 'heartbeat'>, now = Date.now(), quietMs = 0, everyMs = 0): void {
    this.begun = true;
    this.run.startedAt = now;
    this.heardAt = now;
    const beat = (at: number) => {
      this.heard(at);
      ctx.heartbeat(this.details({ phase: 'start' }));
    };
    // Getting ready (a retry's worktree reset, the prompt, the sandbox) can outlast a short heartbeat
    // timeout on a loaded machine: without beats then, the server gave a live attempt up and started
    // another, while this one went on to start its agent (found by `npm run chaos`).
    const keepBeating = () => {
      if (everyMs > 0) this.readying = setInterval(() => beat(Date.now()), everyMs);
    };
    if (quietMs <= 0) {
      beat(now);
      keepBeating();
    } else
      this.firstBeat = setTimeout(() => {
        beat(Date.now());
        keepBeating();
      }, quietMs);
  }

  /** The agent starts: its supervisor heartbeats with its progress from here on. */
  ready(): void {
    clearTimeout(this.firstBeat);
    clearInterval(this.readying);
  }

  /** When the server last heard from this attempt before its agent starts: its start, then its first heartbeat. */
  private heardAt = 0;
  private longestSilence = 0;

  private heard(at: number): void {
    this.longestSilence = Math.max(this.longestSilence, at - this.heardAt);
    this.heardAt = at;
  }

  /**
   * The longest time the server went without word from this attempt so far. Past the heartbeat
   * timeout the server has given the task to a new attempt, even if a late heartbeat went out
   * since (a worker paused by SIGSTOP or starved fires its timers only when it runs again).
   */
  silenceMs(now = Date.now()): number {
    return Math.max(this.longestSilence, now - this.heardAt);
  }

  recordUsage(usage: Usage | undefined): void {
    if (usage) this.run.usage = usage;
  }

  end(now = Date.now()): void {
    this.ready();
    this.run.endedAt ??= now;
  }

  /** The facts with this attempt's run, for a heartbeat or the outcome. */
  carried(): CarriedFacts {
    const usage = this.usage;
    return { ...(usage ? { usage } : {}), runs: keepRuns(this.earlier.runs, [{ ...this.run }]) ?? [] };
  }

  /** A heartbeat's details: the progress of the moment and the facts a retry needs. */
  details(progress: Record<string, unknown>): Record<string, unknown> {
    return { ...progress, facts: this.carried() };
  }

  /** Records this attempt's final facts so that the next attempt receives them. */
  handOn(ctx: Pick<Context, 'heartbeat'>): void {
    this.end();
    ctx.heartbeat(this.details({ phase: 'ended' }));
  }

  /** Usage and runs for the attempt's outcome. */
  outcome(): Pick<TaskOutcome, 'usage' | 'runs'> {
    return this.carried();
  }

  /** What the earlier attempts spent and where they ran, for an attempt that does not run (budget used up). */
  earlierOutcome(): Pick<TaskOutcome, 'usage' | 'runs'> {
    return {
      ...(this.earlier.usage ? { usage: this.earlier.usage } : {}),
      ...(this.earlier.runs ? { runs: this.earlier.runs } : {}),
    };
  }
}

/** The worker's identity (machine and process) as Temporal knows it, or pid@hostname outside a worker. */
export function attemptHost(ctx: Pick<Context, 'client'>): string {
  try {
    return ctx.client.options.identity;
  } catch {
    // A MockActivityEnvironment has no client.
    return `${process.pid}@${os.hostname()}`;
  }
}

/** Why an attempt must not start, or undefined when every budget has room left. */
export function budgetBlocks(budgets: RunTaskInput['budgets'], earlier: Usage | undefined): string | undefined {
  if (!budgets) return undefined;
  const board = budgetSpent(addUsage(budgets.boardSpent, earlier), budgets.board);
  if (board) return `board budget used up: ${board}`;
  const task = budgetSpent(addUsage(budgets.taskSpent, earlier), budgets.task);
  return task ? `task budget used up: ${task}` : undefined;
}
