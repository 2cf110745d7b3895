/**
 * The actual critical path: from the task that ended last, walk back through whatever it waited
 * for. A task that waited for a slot waited for the task whose end freed it (the last to end
 * before it started); otherwise it waited for its dependency that ended last. The chain ends at a
 * task that started with nothing to wait for.
 */
import type { PathLink, TaskReport } from './types.js';

/** Waits shorter than this are scheduling latency, not something the task waited for. */
const LATENCY_MS = 1_000;

export function actualCriticalPath(
  tasks: readonly TaskReport[],
  dependencies: Record<string, readonly string[]>,
): PathLink[] {
  const ran = tasks.filter((t) => t.startMs !== undefined && t.endMs !== undefined && !t.kept);
  const byId = new Map(ran.map((t) => [t.id, t]));
  let current = ran.reduce<TaskReport | undefined>(
    (last, t) => (last === undefined || t.endMs! > last.endMs! ? t : last),
    undefined,
  );
  const path: PathLink[] = [];
  const seen = new Set<string>();
  let via: PathLink['via'];
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    path.push({ id: current.id, ...(via ? { via } : {}) });
    const start = current.startMs!;
    const deps = (dependencies[current.id] ?? [])
      .map((d) => byId.get(d))
      .filter((d): d is TaskReport => d !== undefined);
    const lastDep = deps.reduce<TaskReport | undefined>(
      (last, d) => (last === undefined || d.endMs! > last.endMs! ? d : last),
      undefined,
    );
    let next: TaskReport | undefined;
    if ((current.waitSlotMs ?? 0) > 0) {
      const after = lastDep?.endMs ?? -Infinity;
      const self = current.id;
      next = ran
        .filter((t) => t.id !== self && !seen.has(t.id) && t.endMs! <= start + LATENCY_MS && t.endMs! >= after)
        .reduce<TaskReport | undefined>(
          (last, t) => (last === undefined || t.endMs! > last.endMs! ? t : last),
          undefined,
        );
      if (next) via = 'slot';
    }
    if (!next && lastDep) {
      next = lastDep;
      via = 'dependency';
    }
    current = next;
  }
  // The walk went backwards; the path reads first to last, each link saying how it waited for the one before.
  const ids = path.map((p) => p.id).reverse();
  const vias = path.map((p) => p.via).reverse();
  return ids.map((id, i) => ({ id, ...(i > 0 && vias[i - 1] ? { via: vias[i - 1] } : {}) }));
}
