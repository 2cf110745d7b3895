/**
 * The cache as the task activity uses it: before the agent, the task's key is computed and looked
 * up; a hit is its result (on a git board, once its recorded change applies onto the worktree),
 * a miss runs the agent as usual, and a success is stored under the key. Whatever goes wrong with
 * the cache (a damaged entry, a store that does not answer, an agent whose version cannot be read)
 * is said in the task's `cache.note` and the task runs: the cache can only spare work, never fail it.
 */
import fs from 'node:fs/promises';
import type { TaskCacheRecord, TaskOutcome } from '../../src/core/outcome.js';
import { formatDuration } from '../../src/core/duration.js';
import type { RunTaskInput } from '../types.js';
import type { IdentifyAgent } from './agent-identity.js';
import { applyChange, recordChange } from './git-change.js';
import { taskCacheKey } from './key.js';
import type { CacheEntry, CacheStore } from './store.js';

/** The key and what the lookup found (an entry to replay, or nothing), or why the task is not cached. */
export type CacheLookup = { key: string; entry?: CacheEntry; note?: string } | { note: string };

export async function lookUp(
  store: CacheStore,
  input: RunTaskInput,
  workerEnv: NodeJS.ProcessEnv,
  identify: IdentifyAgent,
): Promise<CacheLookup> {
  let key: string;
  try {
    const answer = await taskCacheKey(input, workerEnv, identify);
    if ('uncacheable' in answer) return { note: `not cached: ${answer.uncacheable}` };
    key = answer.key;
  } catch (error) {
    return { note: `not cached: its key could not be computed (${message(error)})` };
  }
  try {
    const found = await store.get(key);
    if (found === undefined) return { key };
    if ('damaged' in found) return { key, note: `a cache entry was ignored: ${found.damaged}` };
    return { key, entry: found.entry };
  } catch (error) {
    return { key, note: `the cache at ${store.where} could not be read (${message(error)})` };
  }
}

/**
 * A hit as the task's outcome: what the run it replays produced, with what it took and spent as
 * the saving. On a git board its change is applied first; undefined (and why) when it does not apply.
 */
export async function replayHit(
  found: { key: string; entry: CacheEntry },
  input: RunTaskInput,
  context: { attempt: number; started: number; logPath: string; scratchDir: string },
): Promise<{ outcome: TaskOutcome } | { note: string }> {
  const { entry, key } = found;
  if (input.worktree) {
    if (!entry.patch) return { note: 'a cache entry was ignored: it holds no change for a task on a git board' };
    const refused = await applyChange(input.workdir, input.worktree.git.repo, entry.patch, context.scratchDir);
    if (refused) return { note: `the cached result was not used: ${refused}` };
  }
  const { durationMs: savedMs = 0, usage, ...produced } = entry.outcome;
  await fs.writeFile(
    context.logPath,
    `Todone: read from the cache (key ${key.slice(0, 16)}): the result task "${entry.taskId}" of board "${entry.boardId}" ` +
      `produced on ${new Date(entry.createdAt).toISOString()} in ${formatDuration(savedMs)}; the agent did not run.\n` +
      (produced.outputTail ? `Its output ended:\n${produced.outputTail}` : ''),
  );
  const record: TaskCacheRecord = {
    key,
    hit: true,
    saved: {
      durationMs: savedMs,
      ...(usage ? { usage } : {}),
      boardId: entry.boardId,
      taskId: entry.taskId,
      at: entry.createdAt,
    },
  };
  return {
    outcome: {
      ...produced,
      attempts: context.attempt,
      durationMs: Date.now() - context.started,
      logPath: context.logPath,
      cache: record,
    },
  };
}

/** Stores a success under its key; returns the cache record the outcome carries. */
export async function storeSuccess(
  store: CacheStore,
  lookup: { key: string; note?: string },
  input: RunTaskInput,
  outcome: TaskOutcome,
  scratchDir: string,
): Promise<TaskCacheRecord> {
  const { key } = lookup;
  const said = (note: string): TaskCacheRecord => ({ key, note: lookup.note ? `${lookup.note}; ${note}` : note });
  try {
    const patch = input.worktree ? await recordChange(input.workdir, input.worktree, scratchDir) : undefined;
    const stored = await store.put({
      key,
      createdAt: Date.now(),
      boardId: input.boardId,
      taskId: input.taskId,
      agent: input.agent.kind,
      outcome: {
        ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
        ...(outcome.durationMs !== undefined ? { durationMs: outcome.durationMs } : {}),
        ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}),
        ...(outcome.output !== undefined ? { output: outcome.output } : {}),
        ...(outcome.outputTail !== undefined ? { outputTail: outcome.outputTail } : {}),
        ...(outcome.outputBytes !== undefined ? { outputBytes: outcome.outputBytes } : {}),
        ...(outcome.usage ? { usage: outcome.usage } : {}),
        ...(outcome.validation ? { validation: outcome.validation } : {}),
      },
      ...(patch ? { patch } : {}),
    });
    if (!stored) return said('not stored: its result is too large for the cache');
  } catch (error) {
    return said(`not stored: ${message(error)}`);
  }
  return lookup.note ? { key, note: lookup.note } : { key };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
