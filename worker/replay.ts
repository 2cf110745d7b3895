/**
 * Replays recorded board histories against workflow code, without a server or activities: the
 * question is whether this code would make, step by step, the same decisions the history holds.
 * A board in flight survives a worker upgrade only if it does.
 */
import type { DataConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installRuntime } from './runtime.js';
import { workflowSource } from './workflow-code.js';

export interface ReplayInput {
  workflowId: string;
  runId: string;
  history: History;
}

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  events: number;
  /** Absent when the run replays cleanly. */
  divergence?: Divergence;
}

export interface Divergence {
  /** `nondeterminism`: the code made a different decision than the history records; `failure`: replay failed otherwise. */
  kind: 'nondeterminism' | 'failure';
  /** The SDK's own words, which name the event and the command that differ. */
  message: string;
  /** The heart of it (Temporal's `[TMPRL…]` line), when the message wraps one. */
  reason: string;
}

export interface ReplayOptions {
  /** Workflow code to replay against; default: this Todone's own (see workflowSource()). */
  workflowBundle?: ReplayWorkerOptions['workflowBundle'];
  /** The converter the board was started with (External Storage, codec), to read its payloads. */
  dataConverter?: DataConverter;
}

/** Replays each run in order with one replay worker; every run is tried, so all divergences are known. */
export async function replayRuns(runs: ReplayInput[], options: ReplayOptions = {}): Promise<ReplayOutcome[]> {
  installRuntime();
  const source = options.workflowBundle ? { workflowBundle: options.workflowBundle } : workflowSource();
  const outcomes: ReplayOutcome[] = [];
  let index = 0;
  const results = Worker.runReplayHistories(
    {
      ...source,
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      replayName: 'todone-replay',
    },
    runs.map((run) => ({ workflowId: run.workflowId, history: run.history })),
  );
  for await (const result of results) {
    // One result per history, in order (the replay worker names runs its own way).
    const run = runs[index++]!;
    outcomes.push({
      workflowId: run.workflowId,
      runId: run.runId,
      events: run.history.events?.length ?? 0,
      ...(result.error ? { divergence: divergence(result.error) } : {}),
    });
  }
  return outcomes;
}

export function divergence(error: Error): Divergence {
  return {
    kind: error instanceof DeterminismViolationError ? 'nondeterminism' : 'failure',
    message: error.message,
    reason: coreReason(error.message),
  };
}

/** The SDK wraps the core's one-line reason in a debug dump of the failure; that line is what a person needs. */
function coreReason(message: string): string {
  const quoted = /(\[TMPRL\d+\].*?)", source:/.exec(message) ?? /\[TMPRL\d+\][^"]*/.exec(message);
  return (quoted?.[1] ?? quoted?.[0] ?? message).trim();
}
