/**
 * Runs TypeScript modules of this project in a child `node` (which cannot load .ts), so a test can
 * SIGKILL it mid-step. The modules are transpiled from source into a temp folder on demand (no type
 * check, a fraction of a second), so the child always runs the code under test, never a stale dist/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import ts from 'typescript';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));

const RUNNER = `
const [modulePath, exportName, inputJson] = process.argv.slice(2);
const mod = await import(modulePath);
const result = await mod[exportName](JSON.parse(inputJson));
process.stdout.write(JSON.stringify(result ?? null));
`;

export interface ChildModules {
  /** Calls `exportName(input)` from the project module `modulePath` (e.g. `activities/git/commit.ts`) in a fresh node. */
  call(modulePath: string, exportName: string, input: unknown, env?: Record<string, string>): Promise<ChildOutcome>;
}

export interface ChildOutcome {
  signal?: string;
  exitCode?: number;
  result?: unknown;
  stderr: string;
}

/** Transpiles `entries` and every project module they import, relatively, into `outDir`. */
export async function childModules(outDir: string, entries: string[]): Promise<ChildModules> {
  const seen = new Set<string>();
  const queue = entries.map((e) => path.resolve(PROJECT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await fs.readFile(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = path.join(outDir, path.relative(PROJECT, file)).replace(/\.ts$/, '.js');
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, outputText);
    for (const match of outputText.matchAll(/(?:from\s*|import\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = match[1]!;
      queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  }
  // Bare imports (simple-git, zod) resolve through the project's node_modules.
  await fs.symlink(path.join(PROJECT, 'node_modules'), path.join(outDir, 'node_modules')).catch(() => undefined);
  const runner = path.join(outDir, 'run-child.mjs');
  await fs.writeFile(runner, RUNNER);

  return {
    async call(modulePath, exportName, input, env = {}) {
      const target = path.join(outDir, modulePath).replace(/\.ts$/, '.js');
      const r = await execa('node', [runner, target, exportName, JSON.stringify(input)], {
        env,
        reject: false,
        stdin: 'ignore',
      });
      return {
        ...(r.signal ? { signal: r.signal } : {}),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.exitCode === 0 && r.stdout ? { result: JSON.parse(r.stdout) as unknown } : {}),
        stderr: r.stderr,
      };
    },
  };
}
