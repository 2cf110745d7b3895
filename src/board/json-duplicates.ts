/**
 * JSON.parse keeps the last of two equal keys and says nothing, so a board file whose second
 * `tasks` replaced the first would run half a board. YAML's parser refuses duplicates; this finds
 * them in JSON. It reads text JSON.parse has already accepted, so it only follows strings, objects
 * and arrays. (The yaml package can find them too, but takes 1.5 s over a 4 MB board; this takes
 * milliseconds.) Pure.
 */
import type { PathSegment } from './format.js';

export interface DuplicateKey {
  /** The path of the second occurrence, e.g. ['tasks', 2, 'id']. */
  at: PathSegment[];
  /** Offset of its key in the text. */
  offset: number;
}

type Frame = { kind: 'object'; keys: Set<string>; key?: string; expectKey: boolean } | { kind: 'array'; index: number };

/** Every key that repeats in its object, in text order. `text` must be valid JSON. */
export function duplicateJsonKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const top = stack[stack.length - 1];
    if (char === '{') stack.push({ kind: 'object', keys: new Set(), expectKey: true });
    else if (char === '[') stack.push({ kind: 'array', index: 0 });
    else if (char === '}' || char === ']') stack.pop();
    else if (char === ',') {
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.index++;
    } else if (char === ':') {
      if (top?.kind === 'object') top.expectKey = false;
    } else if (char === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (top?.kind !== 'object' || !top.expectKey) continue;
      const raw = text.slice(start, i + 1);
      const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (top.keys.has(key)) found.push({ at: [...pathOf(stack.slice(0, -1)), key], offset: start });
      top.keys.add(key);
      top.key = key;
    }
  }
  return found;
}

function pathOf(frames: readonly Frame[]): PathSegment[] {
  return frames.map((frame) => (frame.kind === 'object' ? (frame.key ?? '') : frame.index));
}
