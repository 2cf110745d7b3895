/**
 * The layers are kept by the linter, not by the reader: for each zone of eslint.config.js a wrong
 * import is linted as if it stood in that folder and must be refused, naming the rule, while the
 * right one passes. The workflow-safe guard covers exactly the files the workflow bundle holds.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowModules } from '../../scripts/workflow-modules.mjs';
import { bundleCurrent } from '../support/workflow-builds.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  // The project's own config; the type-aware rules are off because the fixtures are not files of the
  // project (the layer rules read imports, not types).
  eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
});

/** The rules `code` breaks when it stands at `file` (relative to the project root). */
async function broken(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const PATHS = 'import-x/no-restricted-paths';
const WORKFLOW = '@typescript-eslint/no-restricted-imports';

describe('imports resolve, so the import rules see them', () => {
  it('finds a cycle through the .js specifiers NodeNext sources use', async () => {
    // outcome.ts imports usage.ts: usage.ts importing outcome.ts closes a loop.
    const problems = await broken(
      'src/core/usage.ts',
      "import { accumulate } from './outcome.js';\nvoid accumulate;\n",
    );
    expect(
      problems.some((p) => p.startsWith('import-x/no-cycle:')),
      problems.join('\n'),
    ).toBe(true);
  });
});

describe('the side-effect layers never import the programs built on them', () => {
  it.each([
    ['activities/fixture.ts', "import { main } from '../src/cli/main.js';\nvoid main;\n"],
    [
      'activities/git/fixture.ts',
      "import { reportCommand } from '../../src/cli/commands/report.js';\nvoid reportCommand;\n",
    ],
    ['worker/fixture.ts', "import { startUiServer } from '../src/ui/server.js';\nvoid startUiServer;\n"],
    ['temporal/fixture.ts', "import { BoardClient } from '../src/client/board-client.js';\nvoid BoardClient;\n"],
    ['worker/fixture.ts', "import { analyzeBoard } from '../src/report/analyze.js';\nvoid analyzeBoard;\n"],
  ])('%s: %s is refused', async (file, code) => {
    const problems = await broken(file, code);
    expect(
      problems.some((p) => p.startsWith(`${PATHS}:`)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('lets them import the core, the contract and the helpers', async () => {
    const code =
      "import { addUsage } from '../src/core/usage.js';\nimport { boardWorkflowId } from '../workflows/api.js';\n" +
      "import { isRunning } from '../src/util/processes.js';\nvoid addUsage;\nvoid boardWorkflowId;\nvoid isRunning;\n";
    expect(await broken('worker/fixture.ts', code)).toEqual([]);
  });
});

describe('the workflow bundle holds only workflow-safe code', () => {
  it.each([
    ['workflows/fixture.ts', "import { createActivities } from '../activities/index.js';\nvoid createActivities;\n"],
    ['workflows/fixture.ts', "import { sweepFinishedBoards } from '../worker/sweep.js';\nvoid sweepFinishedBoards;\n"],
    ['workflows/fixture.ts', "import fs from 'node:fs';\nvoid fs;\n"],
    ['workflows/fixture.ts', "import { readFileSync } from 'fs';\nvoid readFileSync;\n"],
    ['src/core/fixture.ts', "import { isRunning } from '../util/processes.js';\nvoid isRunning;\n"],
    ['src/core/fixture.ts', "import http from 'node:http';\nvoid http;\n"],
    // Not under workflows/ or src/core/, but in the bundle: held to the same rules.
    ['src/board/check-added.ts', "import { randomUUID } from 'node:crypto';\nvoid randomUUID;\n"],
  ])('%s: %s is refused', async (file, code) => {
    const problems = await broken(file, code);
    expect(
      problems.some((p) => p.startsWith(`${WORKFLOW}:`)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('takes types from the side-effect layers, which the bundle never sees', async () => {
    const code = "import type { Activities } from '../activities/index.js';\nexport type A = Activities;\n";
    expect(await broken('workflows/fixture.ts', code)).toEqual([]);
  });

  it('leaves files the bundle does not reach to the ordinary rules', async () => {
    expect(await broken('src/board/load.ts', "import fs from 'node:fs';\nvoid fs;\n")).toEqual([]);
  });

  it('derives the guarded files from the imports the bundle follows, and they are exactly its modules', async () => {
    // The suite's bundle is webpack's over dist/: its modules are the sources' compiled twins.
    const code = await bundleCurrent();
    const bundled = new Set(
      [...code.matchAll(/"\.\/dist\/((?!node_modules\/)[^"\s]+)\.js"/g)].map((match) => `${match[1]}.ts`),
    );
    expect(workflowModules(ROOT)).toEqual([...bundled].sort());
  });
});
