/**
 * Writes an attempt's prompt into the task's log folder, gathering what only the disk knows: the
 * previous attempt's validation output, or why its work was rejected (unfinished-note.ts). Files are per attempt, so a re-run activity rewrites its own.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { VALIDATION_FAILED_MARKER } from '../process/validation.js';
import { networkMode } from '../../src/core/network-policy.js';
import type { RunTaskInput } from '../types.js';
import { readLogTail } from './output.js';
import { buildPrompt } from './prompt.js';
import { reviewPrompt } from './review-prompt.js';
import { forgetUnfinished, unfinishedReason } from './unfinished-note.js';

/** Enough to show a compiler's or test runner's failure; the full log stays on disk. */
export const PREVIOUS_VALIDATION_BYTES = 8 * 1024;

export function promptPath(taskDir: string, attempt: number): string {
  return path.join(taskDir, `prompt-${attempt}.md`);
}

/** The task's description alone, for commands that read it (TODONE_TASK_DESCRIPTION_FILE). */
export function descriptionPath(taskDir: string, attempt: number): string {
  return path.join(taskDir, `description-${attempt}.md`);
}

export function validationLogPath(taskDir: string, attempt: number): string {
  return path.join(taskDir, `validation-${attempt}.log`);
}

export async function writePrompt(
  input: RunTaskInput,
  taskDir: string,
  attempt: number,
): Promise<{ prompt: string; promptFile: string; descriptionFile: string }> {
  await forgetUnfinished(taskDir, attempt);
  const previous = attempt > 1 ? await previousValidationOutput(taskDir, attempt - 1) : undefined;
  const unfinished = attempt > 1 ? await unfinishedReason(taskDir, attempt - 1) : undefined;
  const conflictFiles = (input.env?.TODONE_CONFLICT_FILES ?? '').split('\n').filter((file) => file.trim() !== '');
  const review = await reviewPrompt(input);
  const prompt = buildPrompt({
    taskId: input.taskId,
    type: input.type,
    description: input.description,
    ...(input.goal ? { goal: input.goal } : {}),
    ...(input.dependencies ? { dependencies: input.dependencies } : {}),
    ...(input.validate ? { validate: input.validate } : {}),
    worktree: input.workdir,
    committedByTodone: input.worktree !== undefined,
    ...(input.agent.sandbox === 'worktree' ? { confined: { network: networkMode(input.agent.network) } } : {}),
    ...(previous !== undefined ? { previousValidation: { attempt: attempt - 1, output: previous } } : {}),
    ...(unfinished !== undefined ? { previousUnfinished: { attempt: attempt - 1, reason: unfinished } } : {}),
    ...(conflictFiles.length > 0 ? { conflictFiles } : {}),
    ...(input.feedback ? { feedback: input.feedback } : {}),
    ...(review ? { review } : {}),
  });
  const promptFile = promptPath(taskDir, attempt);
  const descriptionFile = descriptionPath(taskDir, attempt);
  await Promise.all([fs.writeFile(promptFile, prompt), fs.writeFile(descriptionFile, input.description)]);
  return { prompt, promptFile, descriptionFile };
}

/**
 * The end of the previous attempt's checks, but only when they ran to a required failure: an
 * attempt whose agent failed, or whose worker died mid-check, was not rejected by its checks.
 */
async function previousValidationOutput(taskDir: string, attempt: number): Promise<string | undefined> {
  const tail = await readLogTail(validationLogPath(taskDir, attempt), PREVIOUS_VALIDATION_BYTES);
  return tail.includes(VALIDATION_FAILED_MARKER) ? tail : undefined;
}
