import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/cli/commands/draft.js';
import { draftPrompt } from '../../src/draft/prompt.js';
import { mapRepository } from '../../src/draft/repo-map.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-draft-unit-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

describe('the repository map', () => {
  it('lists files and the commands its manifests name', async () => {
    const dir = await folder({
      'package.json': JSON.stringify({ scripts: { test: 'vitest run', build: 'tsc' } }),
      Makefile: 'lint:\n\tnpm run lint\nVAR := 1\n',
      'src/a.ts': '',
      'node_modules/x/index.js': '',
    });
    const map = await mapRepository(dir);
    expect(map.files).toEqual(['Makefile', 'package.json', 'src/a.ts']);
    expect(map.commands).toEqual([
      { run: 'npm test', what: 'vitest run' },
      { run: 'npm run build', what: 'tsc' },
      { run: 'make lint', what: 'Makefile target' },
    ]);
  });

  it('does not follow a manifest that is a link (to a file outside the repository)', async () => {
    const outside = await folder({ 'secret.json': JSON.stringify({ scripts: { leak: 'TOP-SECRET' } }) });
    const dir = await folder({ 'src/a.ts': '' });
    await fs.symlink(path.join(outside, 'secret.json'), path.join(dir, 'package.json'));
    const map = await mapRepository(dir);
    expect(JSON.stringify(map.commands)).not.toContain('TOP-SECRET');
  });
});

describe('the drafting prompt', () => {
  const map = { root: '/repo', files: ['src/a.ts'], totalFiles: 1, folders: [], commands: [] };

  it('names the goal, the draft file and the repository', () => {
    const prompt = draftPrompt({
      goal: 'Add a parser',
      draftFile: '/d/board.yaml',
      output: '/repo/board.yaml',
      map,
      round: 1,
    });
    expect(prompt).toContain('Goal: Add a parser');
    expect(prompt).toContain('change nothing else: /d/board.yaml');
    expect(prompt).toContain('TODONE_DRAFT_FILE');
    expect(prompt).toContain('- src/a.ts');
    expect(prompt).not.toContain('Fix the board');
  });

  it("puts the loader's problems first on a later round, each with its path, bounded", () => {
    const problems = Array.from({ length: 80 }, (_, i) => ({ path: `tasks[${i}].id`, message: 'duplicate id "a"' }));
    const prompt = draftPrompt({
      goal: 'g',
      draftFile: '/d/board.yaml',
      output: '/repo/board.yaml',
      map,
      round: 2,
      problems,
    });
    expect(prompt.startsWith('# Fix the board you wrote (attempt 2)')).toBe(true);
    expect(prompt).toContain('- tasks[0].id: duplicate id "a"');
    expect(prompt).toContain('- … and 30 more');
    expect(prompt).not.toContain('tasks[79].id');
  });
});

describe('--command templates', () => {
  it('take a JSON array, or words', () => {
    expect(parseTemplate('["my agent", "--in", "{promptFile}"]')).toEqual(['my agent', '--in', '{promptFile}']);
    expect(parseTemplate('my-agent --in {promptFile}')).toEqual(['my-agent', '--in', '{promptFile}']);
  });
});
