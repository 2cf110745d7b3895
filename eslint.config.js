import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';
import { workflowModules } from './scripts/workflow-modules.mjs';

/** Every file the workflow bundle reaches, whatever folder it lives in (src/board's checks, for one). */
const WORKFLOW_SAFE = ['workflows/**/*.ts', 'src/core/**/*.ts', ...workflowModules(import.meta.dirname)];

/** The side-effect layers: the worker's machinery must not reach into the programs built on it. */
const SIDE_EFFECT_LAYERS = ['./activities', './worker', './temporal'];
const FRONT_ENDS = ['./src/cli', './src/ui', './src/client', './src/report'];
/** Folders of src/ with side effects (Node, servers, processes): never in the workflow bundle. */
const SRC_SIDE_EFFECTS = ['cli', 'ui', 'client', 'report', 'server', 'tools', 'util'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.todone/**', '.tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Sources import './x.js' for './x.ts' (NodeNext): without the alias no import resolves, and
      // no-cycle and no-restricted-paths pass everything.
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no side effects, and
    // from the side-effect layers types only (they are erased before bundling).
    files: WORKFLOW_SAFE,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                ...builtinModules,
                'execa',
                'simple-git',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'workflow code runs in Temporal’s deterministic sandbox: no Node modules, no side effects',
              allowTypeImports: true,
            },
            {
              // Relative imports, however deep: ../activities/…, ../../worker/…, ../cli/… from src/core.
              group: [
                '**/activities/**',
                '**/worker/**',
                '**/temporal/**',
                ...SRC_SIDE_EFFECTS.map((f) => `**/${f}/**`),
              ],
              message: 'the workflow bundle takes only types from here (import type), or the pure core (src/core)',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: SIDE_EFFECT_LAYERS.map((folder) => `${folder.slice(2)}/**/*.ts`),
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: SIDE_EFFECT_LAYERS,
              from: FRONT_ENDS,
              message:
                'activities/, worker/ and temporal/ serve the CLI, the web board and the client, never import them',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/**'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
