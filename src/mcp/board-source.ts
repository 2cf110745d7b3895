/**
 * A board as an MCP tool receives it: the path of a board file (as `todone run` takes it), or a
 * document (YAML/JSON text, or the object itself) with the folder its relative paths start from.
 * Either way it goes through the loader the CLI uses, so the problems and their wording are the same.
 */
import path from 'node:path';
import { z } from 'zod';
import { loadBoardFile, normaliseBoard, type LoadOptions } from '../board/load.js';
import { parseBoardText } from '../board/parse.js';
import type { BoardSpec } from '../core/board.js';
import { InvalidInputError } from '../errors.js';

/**
 * The most a board sent inline may weigh: past Temporal's 2 MB payload limit it could not start
 * anyway, and parsing it would hold the server's one thread (a bound on time cannot stop that).
 */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

export const boardSourceShape = {
  path: z
    .string()
    .optional()
    .describe("A board file (.yaml, .yml, .json) or a folder holding board.yaml; relative to the server's folder."),
  document: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe('The board itself instead of a path: YAML or JSON text, or the object.'),
  baseDir: z
    .string()
    .optional()
    .describe("With document: the folder its relative paths (workdir, repo) start from; default the server's folder."),
};

export interface BoardSource {
  path?: string | undefined;
  document?: string | Record<string, unknown> | undefined;
  baseDir?: string | undefined;
}

export const DOCUMENT_SOURCE = 'the board document';

/** The tool's arguments themselves: a path or a document, and baseDir only with a document. */
export function checkBoardSource(source: BoardSource): void {
  if ((source.path === undefined) === (source.document === undefined)) {
    throw new InvalidInputError('this call', [
      { path: source.path === undefined ? '' : 'document', message: 'give either path or document (not both)' },
    ]);
  }
  if (source.document !== undefined) {
    const size = Buffer.byteLength(
      typeof source.document === 'string' ? source.document : JSON.stringify(source.document),
    );
    if (size > MAX_DOCUMENT_BYTES)
      throw new InvalidInputError('this call', [
        {
          path: 'document',
          message: `${size} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit of a board sent inline`,
        },
      ]);
  }
  if (source.path !== undefined && source.baseDir !== undefined)
    throw new InvalidInputError('this call', [
      { path: 'baseDir', message: "goes with document: a board file's paths start from its own folder" },
    ]);
}

/** Loads and validates the board; every problem is thrown at once as an InvalidInputError. */
export async function loadBoardSource(source: BoardSource, cwd: string, options: LoadOptions = {}): Promise<BoardSpec> {
  checkBoardSource(source);
  if (source.path !== undefined) return loadBoardFile(path.resolve(cwd, source.path), options);
  const baseDir = path.resolve(cwd, source.baseDir ?? '.');
  const document = source.document!;
  if (typeof document !== 'string')
    return normaliseBoard(document, { ...options, source: DOCUMENT_SOURCE, baseDir, checkWorkdir: true });
  // Text is read as YAML, which reads JSON too, with line numbers for every problem.
  const parsed = parseBoardText(document, DOCUMENT_SOURCE);
  return normaliseBoard(parsed.value, {
    ...options,
    source: DOCUMENT_SOURCE,
    baseDir,
    locate: parsed.locate,
    checkWorkdir: true,
  });
}
