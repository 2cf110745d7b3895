/**
 * What codex could not do, read from its log: `file_change` items that ended `failed` (its
 * apply_patch could not write, e.g. under a sandbox that cannot set up), patches its sandbox
 * policy rejected, and commands the sandbox refused. Codex reports all of these to the model and
 * then exits 0 with "done", so without this a task whose every edit failed would succeed.
 *
 * The log interleaves codex's JSONL (stdout) with its own error lines (stderr), which hold codex's
 * words for why: "Failed to write file …", "patch rejected: writing is blocked by read-only sandbox".
 * A patch that merely did not match the file ("apply_patch verification failed") is the model's
 * mistake, told to the model, and not counted; a failed edit later redone successfully is not
 * counted either.
 */
import { clip, isObject, jsonLines, stringAt } from './output.js';

/** Output of a failed command that means the sandbox stopped it, not the command itself. */
const SANDBOX_REFUSAL = /^bwrap: .*|.*\b(?:landlock|seccomp)\b.*|.*Read-only file system.*/im;

export function codexUnfinishedWork(output: string): string | undefined {
  const failedEdits = new Set<string>();
  const refusedCommands: string[] = [];
  for (const event of jsonLines(output)) {
    if (event.type !== 'item.completed' || !isObject(event.item)) continue;
    const item = event.item;
    if (item.type === 'file_change') {
      const paths = (Array.isArray(item.changes) ? item.changes : []).flatMap((change) =>
        isObject(change) && stringAt(change.path) ? [stringAt(change.path)!] : [],
      );
      for (const file of paths) {
        if (item.status === 'failed') failedEdits.add(file);
        else if (item.status === 'completed') failedEdits.delete(file);
      }
    } else if (item.type === 'command_execution' && item.status === 'failed') {
      const refusal = SANDBOX_REFUSAL.exec(stringAt(item.aggregated_output) ?? '')?.[0]?.trim();
      if (refusal) refusedCommands.push(`\`${clip(stringAt(item.command) ?? '?', 120)}\`: ${clip(refusal, 200)}`);
    }
  }

  const writeErrors = new Map<string, string>();
  const rejected = new Set<string>();
  for (const line of output.split('\n')) {
    if (line.startsWith('{')) continue;
    const write = /Failed to write file (.+?)\s*$/.exec(line);
    if (write?.[1]) writeErrors.set(write[1], write[0].trim());
    const rejection = /error=(patch rejected: .+?)\s*$/.exec(line);
    if (rejection?.[1]) rejected.add(rejection[1]);
  }

  const edits = [
    ...[...failedEdits].map((file) => writeErrors.get(file) ?? `could not apply its change to ${file}`),
    ...rejected,
  ];
  const parts = [
    ...(edits.length > 0 ? [`codex's edits failed: ${edits.join('; ')}`] : []),
    ...(refusedCommands.length > 0 ? [`codex's sandbox refused ${refusedCommands.join('; ')}`] : []),
  ];
  return parts.length > 0 ? clip(parts.join('. '), 800) : undefined;
}
