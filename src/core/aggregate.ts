/**
 * Fan-in without glue code: a task with `aggregate` combines its dependencies' outputs, in
 * dependency order, deterministically (the workflow computes it; no activity, no agent).
 */
import type { AggregateSpec } from './board.js';
import { canonicalJson } from './canonical-json.js';

export interface AggregateReport {
  kind: 'concat' | 'merge' | 'vote' | 'reduce';
  /** Dependencies that left no output (they are left out). */
  missing?: string[];
  /** merge: keys the dependencies gave different values; the later dependency's value is kept. */
  conflicts?: { path: string; values: { from: string; value: unknown }[] }[];
  /** vote: how many dependencies gave each distinct value, most first; `tie` when the top is shared. */
  votes?: { value: unknown; count: number; from: string[] }[];
  tie?: boolean;
}

export interface Aggregated {
  output: unknown;
  report: AggregateReport;
}

/** `inputs`: each dependency's id and output (undefined when it left none), in dependsOn order. */
export function aggregateOutputs(
  kind: Exclude<AggregateSpec, { reduce: string }>,
  inputs: readonly { id: string; output: unknown }[],
): Aggregated {
  const present = inputs.filter((i) => i.output !== undefined);
  const missing = inputs.filter((i) => i.output === undefined).map((i) => i.id);
  const base = { ...(missing.length ? { missing } : {}) };
  switch (kind) {
    case 'concat':
      // Lists are spliced in; any other value is one item.
      return {
        output: present.flatMap((i): unknown[] => (Array.isArray(i.output) ? (i.output as unknown[]) : [i.output])),
        report: { kind, ...base },
      };
    case 'merge': {
      const conflicts = new Map<string, { from: string; value: unknown }[]>();
      let merged: unknown = {};
      for (const input of present) merged = deepMerge(merged, input.output, input.id, '', conflicts, present);
      const listed = [...conflicts].map(([path, values]) => ({ path, values }));
      return { output: merged, report: { kind, ...base, ...(listed.length ? { conflicts: listed } : {}) } };
    }
    case 'vote': {
      const tally = new Map<string, { value: unknown; count: number; from: string[] }>();
      for (const input of present) {
        const key = canonicalJson(input.output);
        const entry = tally.get(key) ?? { value: input.output, count: 0, from: [] };
        entry.count++;
        entry.from.push(input.id);
        tally.set(key, entry);
      }
      // Most votes first; among equals, the value given first wins (stable, so every replay agrees).
      const votes = [...tally.values()].sort((a, b) => b.count - a.count);
      const tie = votes.length > 1 && votes[0]!.count === votes[1]!.count;
      return { output: votes[0]?.value ?? null, report: { kind, ...base, votes, ...(tie ? { tie: true } : {}) } };
    }
  }
}

function deepMerge(
  into: unknown,
  from: unknown,
  source: string,
  path: string,
  conflicts: Map<string, { from: string; value: unknown }[]>,
  all: readonly { id: string; output: unknown }[],
): unknown {
  if (isPlainObject(into) && isPlainObject(from)) {
    const out: Record<string, unknown> = { ...into };
    for (const [key, value] of Object.entries(from)) {
      const at = path ? `${path}.${key}` : key;
      out[key] = key in out ? deepMerge(out[key], value, source, at, conflicts, all) : value;
    }
    return out;
  }
  if (path !== '' && canonicalJson(into) !== canonicalJson(from)) {
    const seen = conflicts.get(path) ?? [{ from: firstGiver(all, path, into) ?? '?', value: into }];
    seen.push({ from: source, value: from });
    conflicts.set(path, seen);
  }
  return from;
}

/** Which dependency gave `value` at `path` first (for the conflict report). */
function firstGiver(all: readonly { id: string; output: unknown }[], path: string, value: unknown): string | undefined {
  return all.find((i) => canonicalJson(valueAt(i.output, path)) === canonicalJson(value))?.id;
}

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) node = isPlainObject(node) ? node[key] : undefined;
  return node;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
