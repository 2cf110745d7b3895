/**
 * `npm install todone` gives a working library: the tarball holds every file the `exports` map
 * names (JS and .d.ts), and a project that has only the unpacked tarball imports 'todone' by
 * name, in JS and in type-checked TypeScript. Uses the built dist/ (npm run build).
 *
 * The unpacked package gets its dependencies through a link to this checkout's node_modules:
 * an offline `npm install <tgz>` needs every dependency in npm's cache, which CI machines do not
 * promise; what is under test is the package's own files and its exports map.
 */
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PackedFile {
  path: string;
}

let temp: string;
let packed: string[];
let tarball: string;

beforeAll(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'todone-pack-'));
  // --ignore-scripts: the build already ran; `prepare` would run it again.
  const { stdout } = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', temp], {
    cwd: root,
    timeout: 120_000,
  });
  const [result] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
  packed = result!.files.map((f) => f.path);
  tarball = path.join(temp, result!.filename);
});

afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

/** Every file path an exports map names (conditions and subpaths alike). */
function exportedFiles(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports.replace(/^\.\//, '')];
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportedFiles);
  return [];
}

describe('the npm package', () => {
  it('holds every file the exports map, types and bin name, and no tests or sources', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      exports: unknown;
      types: string;
      main: string;
      bin: Record<string, string>;
    };
    const named = [
      ...exportedFiles(manifest.exports),
      manifest.types,
      manifest.main,
      ...Object.values(manifest.bin),
    ].map((f) => f.replace(/^\.\//, ''));
    expect(named).toContain('dist/src/index.d.ts');
    expect(named).toContain('schema/board.schema.json');
    for (const file of named) expect(packed, file).toContain(file);
    // What the CLI and the worker read at run time.
    expect(packed).toEqual(
      expect.arrayContaining(['dist/workflow-bundle.js', 'dist/src/cli/main.js', 'docs/CONTRACT.md', 'README.md']),
    );
    // The compiler builds tests and benchmarks into dist/ too (one program, checked once): none of it ships.
    expect(
      packed.filter(
        (f) =>
          /^(dist\/)?(tests|bench)\//.test(f) ||
          f.includes('tsbuildinfo') ||
          (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
          f.endsWith('.map'),
      ),
    ).toEqual([]);
  });

  it('has `todone schema` print the schema it ships', async () => {
    const { stdout } = await execa(process.execPath, [path.join(root, 'bin', 'todone.js'), 'schema'], {
      cwd: root,
      timeout: 60_000,
    });
    const shipped = JSON.parse(await readFile(path.join(root, 'schema', 'board.schema.json'), 'utf8')) as unknown;
    expect(JSON.parse(stdout)).toEqual(shipped);
    expect(shipped).toMatchObject({ title: 'Todone board', required: ['name', 'tasks'] });
  });

  it('is imported by name from a project that has only the tarball', async () => {
    const project = path.join(temp, 'consumer');
    const installed = path.join(project, 'node_modules', 'todone');
    await mkdir(installed, { recursive: true });
    await execa('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    await symlink(path.join(root, 'node_modules'), path.join(installed, 'node_modules'), 'dir');
    // The consumer's own @types/node, as any Node project has.
    await symlink(path.join(root, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'), 'dir');
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', type: 'module', private: true }),
    );

    const consumer = [
      "import { createRequire } from 'node:module';",
      "import { BoardClient, BOARD_WORKFLOW_TYPE, DEFAULT_TASK_QUEUE, boardWorkflowId, createTodoneWorker, loadBoard, planBoard, resolveConnection, statusQuery } from 'todone';",
      "import type { BoardResult, BoardWorkflowInput, StartedBoard } from 'todone';",
      "const schema = createRequire(import.meta.url)('todone/schema/board.schema.json') as { title: string };",
      "const board = await loadBoard('node_modules/todone/examples/hello/board.yaml');",
      'const plan = planBoard(board);',
      "const input: BoardWorkflowInput = { document: { name: 'x', tasks: [] }, baseDir: '/' };",
      'const started: StartedBoard | undefined = undefined;',
      'const result: BoardResult | undefined = undefined;',
      'console.log(JSON.stringify({',
      '  type: BOARD_WORKFLOW_TYPE, queue: DEFAULT_TASK_QUEUE, id: boardWorkflowId(board.id), waves: plan.waves.length, query: statusQuery.name,',
      '  functions: [typeof BoardClient, typeof createTodoneWorker, typeof resolveConnection], schema: schema.title, input: Boolean(input), started, result,',
      '}));',
      '',
    ].join('\n');
    await writeFile(path.join(project, 'consumer.ts'), consumer);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'out',
          skipLibCheck: true,
        },
        files: ['consumer.ts'],
      }),
    );
    // Types through the exports map: a consumer's strict TypeScript compiles against the .d.ts.
    await execa(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      cwd: project,
      timeout: 120_000,
    });
    const { stdout } = await execa(process.execPath, ['out/consumer.js'], { cwd: project, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({
      type: 'boardWorkflow',
      queue: 'todone',
      id: 'todone-board-hello-todone',
      waves: 3,
      query: 'status',
      functions: ['function', 'function', 'function'],
      schema: 'Todone board',
      input: true,
    });
  });
});
