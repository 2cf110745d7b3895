/**
 * Control characters have no place in a board. A NUL cannot reach a process (exec refuses it, so
 * the task would fail at spawn, attempt after attempt), and an escape sequence in a name, an id or
 * a command would act on the terminals that print it. Every key and every string of the document
 * is checked, whatever field it is in, so a field added later is covered too. Pure.
 */
import { controlCharacterProblem } from '../core/rules.js';
import { formatPath, type BoardIssue, type PathSegment } from './format.js';

/** A place in the document: its key and its parent's place, so a path is only built for a problem. */
interface Place {
  parent?: Place;
  key?: PathSegment;
}

function pathOf(place: Place): PathSegment[] {
  const at: PathSegment[] = [];
  for (let p: Place | undefined = place; p?.key !== undefined; p = p.parent) at.push(p.key);
  return at.reverse();
}

/**
 * Walks without recursion and without copying paths: a hostile document may nest a million lists
 * deep. `skip` names the top-level keys the loader ignores (the user's own, never read).
 */
export function checkText(raw: unknown, skip: (key: string) => boolean = () => false): BoardIssue[] {
  const issues: BoardIssue[] = [];
  const root: Place = {};
  const pending: { value: unknown; place: Place }[] = [{ value: raw, place: root }];
  while (pending.length > 0) {
    const { value, place } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = controlCharacterProblem(value);
      if (problem) issues.push({ at: pathOf(place), message: problem });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], place: { parent: place, key: i } });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (place === root && skip(key)) continue;
        const childPlace = { parent: place, key };
        const problem = controlCharacterProblem(key);
        if (problem) issues.push({ at: pathOf(childPlace), message: `field name ${problem}` });
        pending.push({ value: child, place: childPlace });
      }
    }
  }
  return issues;
}

/** `found`, but not where another check already named a problem: a field is reported once. */
export function besides(reported: readonly BoardIssue[], found: readonly BoardIssue[]): BoardIssue[] {
  if (found.length === 0) return [];
  const named = new Set(reported.map((issue) => formatPath(issue.at)));
  return found.filter((issue) => !named.has(formatPath(issue.at)));
}
