// The project files the workflow bundle reaches: workflows/index.ts and every file it imports for a
// value, transitively. `import type` and `export type` are erased before bundling, so they are not
// followed; any other import is (under verbatimModuleSyntax even `import { type A }` stays an import).
// ESLint holds all of these files to the workflow-safe rules; tests/unit/lint-layers.test.ts checks the
// list against the modules of a real bundle.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const WORKFLOWS_ENTRY = 'workflows/index.ts';

/** Paths relative to `root`, with forward slashes, sorted. */
export function workflowModules(root) {
  const seen = new Set();
  const queue = [path.join(root, WORKFLOWS_ENTRY)];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of valueImports(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      if (!fs.existsSync(target)) throw new Error(`${path.relative(root, file)}: cannot find ${specifier}`);
      queue.push(target);
    }
  }
  return [...seen].map((file) => path.relative(root, file).split(path.sep).join('/')).sort();
}

function valueImports(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specifiers = [];
  for (const statement of source.statements) {
    const typeOnly =
      (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) ||
      (ts.isExportDeclaration(statement) && statement.isTypeOnly);
    const from =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (!typeOnly && from && ts.isStringLiteral(from)) specifiers.push(from.text);
  }
  return specifiers;
}
