import { describe, expect, it } from 'vitest';
import { pathsNamed, sharedFiles, type DescribedTask } from '../../src/core/shared-files.js';

const t = (id: string, description: string, dependsOn: string[] = []): DescribedTask => ({
  id,
  description,
  dependsOn,
  estimateMs: 60_000,
  priority: 0,
});

describe('pathsNamed', () => {
  it('finds paths written in prose, backticks and quotes, without sentence ends', () => {
    expect(pathsNamed('Edit `src/board/load.ts` and "./README.md", then docs/. Also tests/unit/a.test.ts.')).toEqual([
      'src/board/load.ts',
      'README.md',
      'docs/',
      'tests/unit/a.test.ts',
    ]);
  });

  it('leaves out what only looks like a path: URLs, versions, abbreviations, plain words', () => {
    expect(pathsNamed('See https://example.com/a/b.html, v1.2.3, e.g. this, i.e. that, and/or so. Done.')).toEqual([]);
  });
});

describe('sharedFiles', () => {
  it('reports tasks that may run at once and name the same file', () => {
    const shared = sharedFiles([t('a', 'change src/x.ts'), t('b', 'also touch src/x.ts'), t('c', 'docs/c.md')]);
    expect(shared).toEqual([{ file: 'src/x.ts', tasks: ['a', 'b'] }]);
  });

  it('leaves out tasks ordered by their dependencies, however indirectly', () => {
    const tasks = [t('a', 'src/x.ts'), t('m', 'middle', ['a']), t('b', 'src/x.ts', ['m'])];
    expect(sharedFiles(tasks)).toEqual([]);
  });

  it('sees a file inside a folder another task names', () => {
    const shared = sharedFiles([t('a', 'rework src/board/'), t('b', 'fix src/board/load.ts')]);
    expect(shared).toEqual([{ file: 'src/board/load.ts', tasks: ['a', 'b'] }]);
  });

  it('stays bounded on a big board where every task names the README', () => {
    const tasks = Array.from({ length: 2_000 }, (_, i) => t(`t${i}`, `update README.md and src/m${i}.ts`));
    const started = performance.now();
    expect(sharedFiles(tasks)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
