/** How board problems are worded: paths like `tasks[3].dependsOn[0]` and values quoted as the user wrote them. */
import { quoted } from '../core/rules.js';

export type PathSegment = string | number;

/** A problem found in a board, before it is given a printable path and a line number. */
export interface BoardIssue {
  at: readonly PathSegment[];
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(at: readonly PathSegment[]): string {
  let out = '';
  for (const segment of at) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment.length <= 100 && IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${quoted(segment, 200)}]`;
  }
  return out;
}

/** A short rendering of a bad value for a message; big values are named by kind, not dumped. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nothing (null)';
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list (${value.length} item${value.length === 1 ? '' : 's'})`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}
