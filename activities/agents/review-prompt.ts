/**
 * What a review reads of the work it judges: each reviewed task's brief, and on a git board the
 * change it brought to the integration branch, `git diff from to`, computed here in the review's
 * own folder (both commits are integration heads it starts from or below). The diff goes to a file
 * first, so a huge change costs disk, not memory; the prompt quotes its beginning. The file is in a
 * fresh private folder, not the task's log folder: the task can write there and could plant a link.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isFullSha } from '../../src/core/rules.js';
import { openGit } from '../git/git.js';
import type { RunTaskInput } from '../types.js';
import type { ReviewPrompt, ReviewedTaskPrompt } from './prompt.js';

/** Per reviewed task: enough to read a real change; the rest is one `git diff` away. */
export const MAX_DIFF_IN_PROMPT = 48 * 1024;

export async function reviewPrompt(input: RunTaskInput): Promise<ReviewPrompt | undefined> {
  const review = input.review;
  if (!review) return undefined;
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-review-'));
  try {
    const tasks = await Promise.all(
      review.tasks.map(async (task, i): Promise<ReviewedTaskPrompt> => {
        const { changes, ...brief } = task;
        const diff =
          changes && input.worktree
            ? await boundedDiff(input.workdir, changes, path.join(scratch, `${i}.diff`))
            : undefined;
        return { ...brief, ...(diff ? { diff } : {}) };
      }),
    );
    // Coding agents end with a message the adapter reads; shell and custom agents write TODONE_OUTPUT.
    const answer = input.agent.kind === 'shell' || input.agent.kind === 'custom' ? 'json' : 'line';
    return { round: review.round, maxRounds: review.maxRounds, answer, tasks };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function boundedDiff(
  workdir: string,
  changes: { from: string; to: string },
  file: string,
): Promise<ReviewedTaskPrompt['diff']> {
  // Only commit names reach git's argv, never a ref a task could have planted.
  if (!isFullSha(changes.from) || !isFullSha(changes.to)) return undefined;
  await openGit(workdir).raw([
    'diff',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    '--stat',
    '--patch',
    `--output=${file}`,
    changes.from,
    changes.to,
  ]);
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, MAX_DIFF_IN_PROMPT));
    await handle.read(buffer, 0, buffer.length, 0);
    // Cut at a line, and never inside a character.
    const text = buffer.toString('utf8').replace(/\uFFFD*$/, '');
    const shown = size > MAX_DIFF_IN_PROMPT ? text.slice(0, Math.max(0, text.lastIndexOf('\n'))) : text;
    return { ...changes, text: shown, truncated: size > MAX_DIFF_IN_PROMPT };
  } finally {
    await handle.close();
  }
}
