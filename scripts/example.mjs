#!/usr/bin/env node
// `npm run example [-- <name>]`: runs examples/<name>/board.yaml (default: hello) on the embedded
// dev server. `todone run` fetches what the machine lacks (the Temporal CLI, bubblewrap) on first use.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2] ?? 'hello';
const board = path.join(root, 'examples', name, 'board.yaml');
if (!existsSync(board)) {
  const known = readdirSync(path.join(root, 'examples')).filter((d) =>
    existsSync(path.join(root, 'examples', d, 'board.yaml')),
  );
  console.error(`No example "${name}". Examples: ${known.join(', ')}.`);
  process.exit(2);
}
// --fresh: an example is there to be watched running, not to be found up to date from the last time.
const run = spawnSync(
  process.execPath,
  [path.join(root, 'bin', 'todone.js'), 'run', board, '--fresh', ...process.argv.slice(3)],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
