/**
 * Reads a board file and parses it as YAML or JSON, keeping enough of the source to point at lines:
 * syntax errors come out as `board.yaml:12:4`, and later problems can be located by their path.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Document, Node } from 'yaml';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import { formatCount, LIMITS } from '../core/limits.js';
import type { Issue } from '../errors.js';
import { InvalidInputError } from '../errors.js';
import { formatPath, type PathSegment } from './format.js';
import { duplicateJsonKeys, jsonOffsets } from './json-scan.js';

export interface Position {
  line: number;
  col: number;
}

/** Where a path such as ['tasks', 3, 'dependsOn'] sits in the source, or its nearest existing parent. */
export type Locate = (at: readonly PathSegment[]) => Position | undefined;

export interface ParsedBoardFile {
  value: unknown;
  locate: Locate;
}

/** Names tried, in order, when a folder is given instead of a file. */
export const BOARD_FILE_NAMES = ['board.yaml', 'board.yml', 'board.json'] as const;

/**
 * Resolves `file` (a board file, or a folder holding one) and reads it. `display` is how the file is
 * named in messages: the path as the user gave it.
 */
export async function readBoardFile(file: string): Promise<{ absolute: string; display: string; text: string }> {
  let display = file;
  let absolute = path.resolve(file);
  const info = await stat(absolute).catch(() => undefined);
  if (info === undefined) throw notReadable(file, `file not found: ${absolute}`);
  // Opening a pipe would wait for a writer, and a device would be read forever.
  if (!info.isDirectory() && !info.isFile()) throw notReadable(file, `not a regular file: ${absolute}`);
  if (info.isDirectory()) {
    const found = await firstExisting(absolute);
    if (found === undefined)
      throw notReadable(file, `no board file in ${absolute} (looked for ${BOARD_FILE_NAMES.join(', ')})`);
    absolute = path.join(absolute, found);
    display = path.join(file, found);
  }
  let text: string;
  try {
    text = await readBounded(absolute, file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw notReadable(file, `cannot read ${absolute}: ${(error as Error).message}`);
  }
  return { absolute, display, text };
}

/**
 * A regular file of at most LIMITS.boardFileBytes, read no further than that: a device, a pipe or
 * a 50 MB file is refused before it costs the memory. The size is checked on what was read, not on
 * what stat said, since the file may grow in between.
 */
async function readBounded(absolute: string, file: string): Promise<string> {
  const handle = await open(absolute, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notReadable(file, `not a regular file: ${absolute}`);
    const buffer = Buffer.alloc(Math.min(info.size, LIMITS.boardFileBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > LIMITS.boardFileBytes || info.size > LIMITS.boardFileBytes) {
      const mb = (Math.max(info.size, length) / 2 ** 20).toFixed(1);
      throw notReadable(
        file,
        `the board file is ${mb} MiB: a board file holds at most ${formatCount(LIMITS.boardFileBytes / 2 ** 20)} MiB`,
      );
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

async function firstExisting(folder: string): Promise<string | undefined> {
  for (const name of BOARD_FILE_NAMES) {
    const info = await stat(path.join(folder, name)).catch(() => undefined);
    if (info?.isFile()) return name;
  }
  return undefined;
}

function notReadable(file: string, message: string): InvalidInputError {
  return new InvalidInputError(file, [{ path: '', message }]);
}

/** Parses by extension: `.json` strictly as JSON, anything else as YAML (which also reads JSON). */
export function parseBoardText(text: string, file: string): ParsedBoardFile {
  return path.extname(file).toLowerCase() === '.json' ? parseJson(text, file) : parseYaml(text, file);
}

function parseYaml(text: string, file: string): ParsedBoardFile {
  const lines = new LineCounter();
  // Merge keys (`<<: *defaults`) let a board share agent settings between tasks.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const issues: Issue[] = doc.errors.map((error) => ({
      path: at(file, lines.linePos(error.pos[0])),
      message:
        error.code === 'MULTIPLE_DOCS'
          ? 'a board file holds one YAML document: remove the extra "---"'
          : firstLine(error.message),
    }));
    throw new InvalidInputError(file, issues);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // toJS refuses alias bombs and the like.
    throw new InvalidInputError(file, [{ path: file, message: (error as Error).message }]);
  }
  return { value, locate: locator(doc, lines) };
}

function parseJson(text: string, file: string): ParsedBoardFile {
  const source = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const offset = jsonErrorOffset(source, error as Error);
    // Drop V8's echo of the whole input and its own position wording; the path carries the position.
    const message = (error as Error).message
      .replace(/, (?:\.\.\.)?".*$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    const position = offset === undefined ? undefined : positionAt(source, offset);
    throw new InvalidInputError(file, [{ path: position ? at(file, position) : file, message }]);
  }
  const duplicates = duplicateJsonKeys(source);
  if (duplicates.length > 0) {
    const place = lineIndex(source);
    throw new InvalidInputError(
      file,
      duplicates.map((d) => ({
        path: at(file, place(d.offset)),
        message: `${formatPath(d.at)}: duplicate key (a JSON object holds each key once; JSON.parse would keep the last and drop the first)`,
      })),
    );
  }
  // Positions only matter once something is wrong: the text is scanned for them on demand.
  const offsetOf = jsonOffsets(source);
  let position: ((offset: number) => Position) | undefined;
  const locate: Locate = (segments) => {
    for (let depth = segments.length; depth >= 0; depth--) {
      const offset = depth === 0 ? 0 : offsetOf(segments.slice(0, depth));
      if (offset !== undefined) return (position ??= lineIndex(source))(offset);
    }
    return undefined;
  };
  return { value, locate };
}

/**
 * V8 names the offending token but often not its position ("Unexpected token 'x', ... is not valid
 * JSON"), so find the shortest prefix that already fails for a reason other than ending early.
 */
function jsonErrorOffset(text: string, error: Error): number | undefined {
  const stated = /at position (\d+)/.exec(error.message);
  if (stated) return Number(stated[1]);
  if (/end of JSON input/.test(error.message)) return text.length;
  let low = 1;
  let high = text.length;
  if (!failsBeforeEnd(text.slice(0, high))) return undefined;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (failsBeforeEnd(text.slice(0, mid))) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}

function failsBeforeEnd(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (/end of JSON input/.test(message)) return false;
    const stated = /at position (\d+)/.exec(message);
    return stated ? Number(stated[1]) < prefix.length : true;
  }
}

function positionAt(text: string, offset: number): Position {
  return lineIndex(text)(offset);
}

/** Offsets to lines and columns, the line starts found once: a board may have 100,000 problems to place. */
function lineIndex(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - starts[low]! + 1 };
  };
}

function at(file: string, position: Position): string {
  return `${file}:${position.line}:${position.col}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function locator(doc: Document, lines: LineCounter): Locate {
  return (segments) => {
    for (let depth = segments.length; depth >= 0; depth--) {
      const offset = offsetOf(doc.contents, segments.slice(0, depth));
      if (offset !== undefined) return lines.linePos(offset);
    }
    return undefined;
  };
}

/** Offset of the key (in a mapping) or item (in a list) that `path` names. */
function offsetOf(root: Node | null, segments: readonly PathSegment[]): number | undefined {
  let node: unknown = root;
  let offset = isNode(root) ? root.range?.[0] : undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
      if (pair === undefined) return undefined;
      offset = isNode(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = isNode(node) ? node.range?.[0] : undefined;
    } else {
      return undefined;
    }
  }
  return offset;
}
