/**
 * The task activity: one attempt of one task, run as a supervised process.
 * Idempotent per (board, task, attempt): the log file is rewritten, and whatever a crashed
 * earlier attempt left running is stopped first.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { taskDataDir } from '../src/data-dir.js';
import { prepareWorktree } from './git/worktree.js';
import { killLeftover } from './process/process-group.js';
import { supervise } from './process/supervise.js';
import { FAILURE_TYPES, type RunTaskInput, type TaskAttemptFailure, type TaskAttemptResult } from './types.js';

export interface RunTaskDeps {
  /** Todone's data folder (logs, pid files). */
  home: string;
}

export function createRunTask({ home }: RunTaskDeps) {
  return async function runTask(input: RunTaskInput): Promise<TaskAttemptResult> {
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const dir = taskDataDir(home, input.boardId, input.taskId);
    await fs.mkdir(dir, { recursive: true });
    const pidFile = path.join(dir, 'process.json');
    const marker = `TODONE_TASK_KEY=${input.boardId}/${input.taskId}`;
    await killLeftover(pidFile, marker);

    // A retry must not build on what the failed attempt left in the worktree.
    if (input.worktree && attempt > 1) await prepareWorktree(input.worktree);

    const logPath = path.join(dir, `attempt-${attempt}.log`);
    if (!(await isDirectory(input.workdir))) {
      throw invalid(`workdir ${input.workdir} does not exist or is not a folder`, { attempt, logPath });
    }

    const heartbeatEveryMs = Math.max(200, Math.min(5_000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
    const outcome = await supervise({
      command: input.agent.command,
      cwd: input.workdir,
      env: {
        ...input.agent.env,
        ...input.env,
        TODONE_BOARD_ID: input.boardId,
        TODONE_TASK_ID: input.taskId,
        TODONE_TASK_TYPE: input.type,
        TODONE_TASK_DESCRIPTION: input.description,
        TODONE_ATTEMPT: String(attempt),
        TODONE_TASK_KEY: `${input.boardId}/${input.taskId}`,
      },
      logPath,
      pidFile,
      attempt,
      signal: ctx.cancellationSignal,
      progressEveryMs: heartbeatEveryMs,
      onProgress: (progress) => ctx.heartbeat(progress),
    });

    const report = { attempt, logPath, durationMs: outcome.durationMs, outputTail: outcome.tail.tail, outputBytes: outcome.tail.bytes };
    switch (outcome.kind) {
      case 'exited':
        if (outcome.exitCode === 0) return { ...report, exitCode: 0 };
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.taskFailed,
          message: `exited with code ${outcome.exitCode}${outcome.tail.lastLine ? `: ${outcome.tail.lastLine}` : ''}`,
          details: [{ ...report, exitCode: outcome.exitCode } satisfies TaskAttemptFailure],
        });
      case 'killed':
        if (outcome.aborted) {
          // Let Temporal see the cancellation (or timeout) it asked for, not a task failure.
          ctx.cancellationSignal.throwIfAborted();
        }
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.taskFailed,
          message: `killed by ${outcome.signal}`,
          details: [report satisfies TaskAttemptFailure],
        });
      case 'spawn-error':
        throw invalid(`could not start the task's command: ${outcome.message}`, report);
    }
  };
}

function invalid(message: string, details: TaskAttemptFailure): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE_TYPES.invalidTask, message, nonRetryable: true, details: [details] });
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
