/**
 * What JSON.parse does not tell: keys that repeat in an object, and where a path such as
 * ['tasks', 3, 'agent'] sits in the text. JSON.parse keeps the last of two equal keys and says
 * nothing, so a board file whose second `tasks` replaced the first would run half a board; YAML's
 * parser refuses duplicates, and this finds them in JSON. The yaml package could do both, but it
 * takes 1.5 s over a 4 MB board and 14 s over a document nested a million lists deep; one pass of
 * this takes milliseconds. It reads text JSON.parse has already accepted, so it only follows
 * strings, objects and arrays. Pure.
 */
import type { PathSegment } from './format.js';

export interface DuplicateKey {
  /** The path of the second occurrence, e.g. ['tasks', 2, 'id']. */
  at: PathSegment[];
  /** Offset of its key in the text. */
  offset: number;
}

type Frame =
  | { kind: 'object'; keys: Set<string>; key?: string; expectKey: boolean }
  | { kind: 'array'; index: number; expectItem: boolean };

/**
 * Calls `visit` for every object key (at the key) and array item (at its first character), with
 * the frames down to its own object or list (the last one); `duplicate` is set on a key its object
 * already had. The frames are not copied: a document may nest a million deep.
 */
function scan(
  text: string,
  visit: (frames: readonly Frame[], segment: PathSegment, offset: number, duplicate: boolean) => void,
): void {
  const stack: Frame[] = [];
  const itemStarts = (i: number) => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'array' && top.expectItem) {
      top.expectItem = false;
      visit(stack, top.index, i, false);
    }
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === ' ' || char === '\n' || char === '\r' || char === '\t') continue;
    const top = stack[stack.length - 1];
    if (char === ']' || char === '}') {
      stack.pop();
    } else if (char === ',') {
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') {
        top.index++;
        top.expectItem = true;
      }
    } else if (char === ':') {
      if (top?.kind === 'object') top.expectKey = false;
    } else if (char === '"' && top?.kind === 'object' && top.expectKey) {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const raw = text.slice(start, i + 1);
      const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      const duplicate = top.keys.has(key);
      top.keys.add(key);
      top.key = key;
      visit(stack, key, start, duplicate);
    } else {
      itemStarts(i);
      if (char === '{') stack.push({ kind: 'object', keys: new Set(), expectKey: true });
      else if (char === '[') stack.push({ kind: 'array', index: 0, expectItem: true });
      else if (char === '"') for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    }
  }
}

/** The path of the place `segment` names in the last of `frames`. */
function pathOf(frames: readonly Frame[], segment: PathSegment): PathSegment[] {
  const at: PathSegment[] = [];
  for (let i = 0; i < frames.length - 1; i++) {
    const frame = frames[i]!;
    at.push(frame.kind === 'object' ? (frame.key ?? '') : frame.index);
  }
  return [...at, segment];
}

/** Every key that repeats in its object, in text order. `text` must be valid JSON. */
export function duplicateJsonKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  scan(text, (parents, segment, offset, duplicate) => {
    if (duplicate) found.push({ at: pathOf(parents, segment), offset });
  });
  return found;
}

/** Deeper than any path a board problem has: deeper places are located at this depth. */
const LOCATED_DEPTH = 8;

/**
 * Where each path sits in `text` (valid JSON), as an offset: one pass, on first use, recording
 * the places down to LOCATED_DEPTH (the first of a repeated key, as problems name it).
 */
export function jsonOffsets(text: string): (at: readonly PathSegment[]) => number | undefined {
  let offsets: Map<string, number> | undefined;
  const keyOf = (at: readonly PathSegment[]) => at.map(String).join('\u0000');
  return (at) => {
    if (offsets === undefined) {
      const found = new Map<string, number>();
      scan(text, (parents, segment, offset) => {
        if (parents.length > LOCATED_DEPTH) return;
        const key = keyOf(pathOf(parents, segment));
        if (!found.has(key)) found.set(key, offset);
      });
      offsets = found;
    }
    return offsets.get(keyOf(at));
  };
}
