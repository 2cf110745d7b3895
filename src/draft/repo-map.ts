/**
 * A map of the repository for the drafting agent's prompt: its files (as git lists them, or a
 * bounded walk), and the build and test commands its manifests name. Everything read is bounded
 * and links are not followed: the repository may be anyone's.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface RepoMap {
  root: string;
  /** Up to MAX_FILES paths, relative to the root. */
  files: string[];
  totalFiles: number;
  /** Top-level folders with how many files each holds, for repositories too big to list. */
  folders: { name: string; files: number }[];
  /** `npm test` → `vitest run`, `make build`, `cargo test`, ... */
  commands: { run: string; what: string }[];
}

const MAX_FILES = 300;
const MAX_WALK = 20_000;
const MAX_MANIFEST_BYTES = 256 * 1024;
const SKIPPED = new Set(['.git', 'node_modules', 'dist', 'build', 'target', '.venv', 'venv', '__pycache__', '.tools']);

export async function mapRepository(root: string): Promise<RepoMap> {
  const all = (await gitFiles(root)) ?? (await walk(root));
  const folders = new Map<string, number>();
  for (const file of all) {
    const top = file.includes('/') ? `${file.split('/')[0]}/` : '.';
    folders.set(top, (folders.get(top) ?? 0) + 1);
  }
  return {
    root,
    files: all.slice(0, MAX_FILES),
    totalFiles: all.length,
    folders: [...folders].map(([name, files]) => ({ name, files })).sort((a, b) => b.files - a.files),
    commands: await commandsFound(root, all),
  };
}

async function gitFiles(root: string): Promise<string[] | undefined> {
  const listed = await execa('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    reject: false,
    timeout: 20_000,
    maxBuffer: 64 * 1024 * 1024,
    stdin: 'ignore',
  });
  if (listed.exitCode !== 0) return undefined;
  return String(listed.stdout).split('\0').filter(Boolean).slice(0, MAX_WALK);
}

async function walk(root: string): Promise<string[]> {
  const found: string[] = [];
  const queue = [''];
  while (queue.length > 0 && found.length < MAX_WALK) {
    const dir = queue.shift()!;
    const entries = await fs.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory() && !SKIPPED.has(entry.name)) queue.push(rel);
      else if (entry.isFile()) found.push(rel);
    }
  }
  return found;
}

/** A manifest's text, or undefined when it is missing, a link, or too big. */
async function manifest(root: string, name: string): Promise<string | undefined> {
  const file = path.join(root, name);
  const info = await fs.lstat(file).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_MANIFEST_BYTES) return undefined;
  return fs.readFile(file, 'utf8').catch(() => undefined);
}

async function commandsFound(root: string, files: readonly string[]): Promise<RepoMap['commands']> {
  const commands: RepoMap['commands'] = [];
  const has = (name: string) => files.includes(name);
  const pkg = has('package.json') ? await manifest(root, 'package.json') : undefined;
  if (pkg) {
    try {
      const scripts = (JSON.parse(pkg) as { scripts?: Record<string, unknown> }).scripts ?? {};
      for (const [name, body] of Object.entries(scripts).slice(0, 40)) {
        if (typeof body !== 'string') continue;
        commands.push({ run: name === 'test' ? 'npm test' : `npm run ${name}`, what: body.slice(0, 200) });
      }
    } catch {
      // Not JSON: nothing to learn from it.
    }
  }
  const makefile = has('Makefile') ? await manifest(root, 'Makefile') : undefined;
  if (makefile) {
    const targets = [...makefile.matchAll(/^([A-Za-z0-9][\w.-]*)\s*:(?!=)/gm)].map((m) => m[1]!);
    for (const target of [...new Set(targets)].slice(0, 30))
      commands.push({ run: `make ${target}`, what: 'Makefile target' });
  }
  if (has('Cargo.toml')) commands.push({ run: 'cargo build', what: 'Rust' }, { run: 'cargo test', what: 'Rust tests' });
  if (has('go.mod')) commands.push({ run: 'go build ./...', what: 'Go' }, { run: 'go test ./...', what: 'Go tests' });
  if (has('pyproject.toml') || has('setup.py') || has('pytest.ini') || has('tox.ini'))
    commands.push({ run: 'python -m pytest', what: 'Python tests (if pytest is used)' });
  return commands;
}
