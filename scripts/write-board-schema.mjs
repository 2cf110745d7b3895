#!/usr/bin/env node
/**
 * Writes schema/board.schema.json from the built zod schema (run by `npm run build`, after tsc).
 * The file is committed too, so `$schema` in the example boards resolves in a fresh clone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { boardJsonSchema } = await import(pathToFileURL(path.join(root, 'dist', 'src', 'board', 'json-schema.js')).href);
const target = path.join(root, 'schema', 'board.schema.json');
await fs.mkdir(path.dirname(target), { recursive: true });
await fs.writeFile(target, `${JSON.stringify(boardJsonSchema(), null, 2)}\n`);
