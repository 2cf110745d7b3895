/**
 * Why Todone rejected an attempt whose agent said it was done (its edits failed or were refused, or
 * it changed nothing), kept beside the attempt's log so the next attempt's prompt can say so, as a
 * failed check's output is. Per attempt, so a re-run activity rewrites its own.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

function notePath(taskDir: string, attempt: number): string {
  return path.join(taskDir, `unfinished-${attempt}.txt`);
}

export async function recordUnfinished(taskDir: string, attempt: number, reason: string): Promise<void> {
  await fs.writeFile(notePath(taskDir, attempt), reason);
}

/** A note left by an earlier run of the board would otherwise be quoted in the next prompt. */
export async function forgetUnfinished(taskDir: string, attempt: number): Promise<void> {
  await fs.rm(notePath(taskDir, attempt), { force: true });
}

export async function unfinishedReason(taskDir: string, attempt: number): Promise<string | undefined> {
  const text = await fs.readFile(notePath(taskDir, attempt), 'utf8').catch(() => '');
  return text.trim() || undefined;
}
