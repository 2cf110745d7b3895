/**
 * Reading an agent's machine-readable output back from the end of its log. The log interleaves
 * stdout and stderr and may start mid-line (only its end is read), so parsers look for whole JSON
 * documents from the end and skip anything else.
 */
import fs from 'node:fs/promises';

/** Enough for any CLI's closing JSON; the rest of a huge log is never read into memory. */
export const LOG_TAIL_BYTES = 256 * 1024;

export async function readLogTail(file: string, maxBytes = LOG_TAIL_BYTES): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The last JSON object in `text` that starts a line and satisfies `accept`. Pretty-printed
 * documents (Gemini CLI) and one-line ones (Claude Code, JSONL) both start with `{` at column 0;
 * nested objects of a pretty document are indented, so they are not mistaken for documents.
 */
export function lastJsonObject(text: string, accept: (value: JsonObject) => boolean): JsonObject | undefined {
  for (let newline = text.lastIndexOf('\n{'), tried = 0; tried < MAX_CANDIDATES; tried++) {
    const from = newline + 1;
    if (text[from] === '{') {
      const end = objectEnd(text, from);
      const value = end === undefined ? undefined : parseObject(text.slice(from, end));
      if (value && accept(value)) return value;
    }
    if (newline <= 0) return undefined;
    newline = text.lastIndexOf('\n{', newline - 1);
  }
  return undefined;
}

/** Each candidate may scan to the end of the text: a log of unbalanced `{` lines must not cost O(n²). */
const MAX_CANDIDATES = 500;

/** Every line of `text` that is a JSON object, in order (JSONL event streams). */
export function jsonLines(text: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    const value = parseObject(trimmed);
    if (value) out.push(value);
  }
  return out;
}

function parseObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Index just past the `}` closing the object opened at `from`, skipping braces inside strings. */
function objectEnd(text: string, from: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return undefined;
}

export function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Agent messages can be long; payloads carry only their start. */
export function clip(text: string, max = 1_000): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
