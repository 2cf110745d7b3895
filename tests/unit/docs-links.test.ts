/**
 * The README and docs/ link to each other by relative paths and anchors; a moved file or a renamed
 * heading must fail here, not on a reader. The README is a doorway, kept short.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { anchorsOf, brokenLinks, linksOf } from '../support/markdown-links.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README_MAX_LINES = 300;

async function documentationFiles(): Promise<string[]> {
  const docs = (await readdir(path.join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const examples: string[] = [];
  for (const entry of await readdir(path.join(root, 'examples'), { withFileTypes: true })) {
    const readme = `examples/${entry.name}/README.md`;
    if (entry.isDirectory() && (await readdir(path.join(root, 'examples', entry.name))).includes('README.md')) {
      examples.push(readme);
    }
  }
  return ['README.md', ...docs.sort(), ...examples.sort()];
}

describe('documentation links', () => {
  it('every relative link and anchor in README.md, docs/*.md and examples/*/README.md resolves', async () => {
    const files = await documentationFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/boards.md', 'docs/operating.md']));
    // The checker must be finding links at all: the README alone links to every page of docs/.
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    expect(linksOf(readme).length).toBeGreaterThan(10);
    const broken = brokenLinks(root, files).map((b) => `${b.file}:${b.line}: ${b.target}: ${b.problem}`);
    expect(broken).toEqual([]);
  });

  it(`README.md is a doorway of at most ${README_MAX_LINES} lines`, async () => {
    const lines = (await readFile(path.join(root, 'README.md'), 'utf8')).trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});

describe('the link checker', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function repo(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'todone-docs-links-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'repo', 'docs'), { recursive: true });
    await writeFile(path.join(dir, 'outside.md'), '# Outside\n');
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'repo', name), text);
    return path.join(dir, 'repo');
  }

  it('reports a missing file, a missing anchor, a link out of the repository, and nothing else', async () => {
    const root = await repo({
      'README.md': [
        '# Todone',
        '[ok](docs/a.md#the-board-file) [ok too](#todone) [folder](docs) [image](docs/a.md "title")',
        '[gone](docs/missing.md) [bad anchor](docs/a.md#nope)',
        '[escape](../outside.md) [web](https://example.com/x.md#y) [mail](mailto:a@b)',
        '`[in code](nowhere.md)`',
        '```md',
        '[in a block](nowhere.md)',
        '```',
        '[ref]: docs/gone-too.md',
      ].join('\n'),
      'docs/a.md': '# A\n\n## The board file\n\n[back](../README.md#todone) [self](#a)\n',
    });
    const broken = brokenLinks(root, ['README.md', 'docs/a.md']).map((b) => `${b.line} ${b.target}: ${b.problem}`);
    expect(broken).toEqual([
      '3 docs/missing.md: docs/missing.md does not exist',
      '3 docs/a.md#nope: no heading of docs/a.md has the anchor #nope',
      '4 ../outside.md: points outside the repository',
      '9 docs/gone-too.md: docs/gone-too.md does not exist',
    ]);
  });

  it('slugs headings as GitHub does: punctuation and code marks dropped, duplicates numbered', () => {
    const anchors = anchorsOf(
      [
        '# Capabilities: tasks that need a particular worker',
        '## Run on a cluster (docker-compose)',
        '### A 10,000-task board',
        '## `todone run` and [links](x.md)',
        '## Notes',
        '## Notes',
        '```',
        '# Not a heading',
        '```',
      ].join('\n'),
    );
    expect([...anchors]).toEqual([
      'capabilities-tasks-that-need-a-particular-worker',
      'run-on-a-cluster-docker-compose',
      'a-10000-task-board',
      'todone-run-and-links',
      'notes',
      'notes-1',
    ]);
  });

  it('finds links on the line they start, after code spans that wrap', () => {
    expect(linksOf('see `a\nb` and\n[x](y.md)').map((l) => `${l.line} ${l.target}`)).toEqual(['3 y.md']);
  });
});
