/**
 * Text that came from a board or a task, made safe to print on a terminal: escape sequences
 * (colours, cursor moves, screen clears, OSC 8 links, window titles) and every other control
 * character removed, tab and line feed kept. A board's names and a task's output, reason or
 * summary may have been written by a prompt-injected agent; the terminal is not theirs to drive.
 * Every printer passes such text through here; Todone's own colours are added after.
 */
import { stripVTControlCharacters } from 'node:util';

// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

export function terminalText(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL, '');
}

/**
 * A status, a result or any value read from a board, with every string in it passed through
 * terminalText: formatters take it at their entry, so no field they print is missed.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return terminalText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => terminalSafe(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, terminalSafe(item)]),
  ) as T;
}
