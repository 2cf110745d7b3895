/**
 * Tasks that may run at the same time and name the same files in their descriptions: the pairs
 * most likely to conflict when their branches are merged. Boards have no field listing what a
 * task will touch, so this reads what the descriptions say (paths such as `src/board/load.ts`,
 * `README.md`, `docs/`) and is only as good as they are: a task that edits a file it does not name
 * is not seen. Two tasks one of which (transitively) depends on the other never run at once, and
 * are not reported.
 */
import { buildGraph, type GraphTask } from './graph.js';

export interface DescribedTask extends GraphTask {
  description: string;
}

export interface SharedFile {
  /** The path as the descriptions write it (a folder ends with `/`). */
  file: string;
  /** Tasks that name it (or a folder holding it) and may run at the same time. */
  tasks: string[];
}

/** A word with a slash in it, or a name with a file extension; backticks and quotes around it are fine. */
const PATH_TOKEN =
  /[A-Za-z0-9_@.~*/-]*[A-Za-z0-9_@*-](?:\/[A-Za-z0-9_@.*-]*|\.[A-Za-z][A-Za-z0-9]{0,7})[A-Za-z0-9_@.*/-]*/g;
const URL = /\b[a-z][a-z0-9+.-]*:\/\/\S*/gi;
const NOT_PATHS = /^(?:e\.g|i\.e|etc|vs|a\.k\.a|n\/a|and\/or|i\/o)\.?$/i;
/** Most tasks naming one path that are compared pairwise: past it, the path is everyone's (a README). */
const MAX_TASKS_PER_PATH = 40;

/** The paths a description names, normalised (`./a/b.ts` is `a/b.ts`), without repeats. */
export function pathsNamed(text: string): string[] {
  const found = new Set<string>();
  for (const [raw] of text.replace(URL, ' ').matchAll(PATH_TOKEN)) {
    const token = raw.replace(/^\.\//, '').replace(/[.]+$/, '');
    if (!token || NOT_PATHS.test(token) || /^\d+(?:\.\d+)+$/.test(token) || !/[A-Za-z]/.test(token)) continue;
    // A bare word with a dot that is not an extension-like tail (a sentence's end was stripped above).
    if (!token.includes('/') && !/\.[A-Za-z][A-Za-z0-9]{0,7}$/.test(token)) continue;
    found.add(token);
  }
  return [...found];
}

export function sharedFiles(tasks: readonly DescribedTask[], limit = 20): SharedFile[] {
  const graph = buildGraph(tasks);
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const all = new Set<string>();
    const stack = [...(graph.byId.get(id)?.dependsOn ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (all.has(next)) continue;
      all.add(next);
      stack.push(...(graph.byId.get(next)?.dependsOn ?? []));
    }
    ancestors.set(id, all);
    return all;
  };
  const concurrent = (a: string, b: string) => !ancestorsOf(a).has(b) && !ancestorsOf(b).has(a);

  const byPath = new Map<string, string[]>();
  for (const task of tasks) {
    for (const file of pathsNamed(task.description)) byPath.set(file, [...(byPath.get(file) ?? []), task.id]);
  }
  const order = new Map(graph.ids.map((id, index) => [id, index]));
  const paths = [...byPath.keys()];
  const folders = paths.filter((p) => p.endsWith('/'));
  const found: SharedFile[] = [];
  for (const file of paths) {
    // Its own namers, those of folders holding it, and (for a folder) those of what it holds.
    const namers = new Set(byPath.get(file));
    for (const folder of folders)
      if (file !== folder && file.startsWith(folder)) for (const id of byPath.get(folder)!) namers.add(id);
    if (file.endsWith('/'))
      for (const other of paths)
        if (other !== file && other.startsWith(file)) for (const id of byPath.get(other)!) namers.add(id);
    const ids = [...namers].sort((a, b) => order.get(a)! - order.get(b)!);
    if (ids.length < 2 || ids.length > MAX_TASKS_PER_PATH) continue;
    const clashing = ids.filter((a) => ids.some((b) => b !== a && concurrent(a, b)));
    // A folder only adds something when no file inside it already reported the same tasks.
    if (clashing.length >= 2) found.push({ file, tasks: clashing });
    if (found.length >= limit) break;
  }
  return found.filter(
    (entry) =>
      !entry.file.endsWith('/') ||
      !found.some(
        (other) => other !== entry && !other.file.endsWith('/') && entry.tasks.every((t) => other.tasks.includes(t)),
      ),
  );
}
