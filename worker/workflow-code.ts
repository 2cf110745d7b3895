/**
 * Where the worker gets its workflow code. Bundling with webpack takes seconds, so the build
 * writes one bundle (dist/workflow-bundle.js) that every CLI run reuses; running from source
 * (tests, tsx) bundles the workflows folder on the fly.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';

type WorkflowSource = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;

export function workflowSource(): WorkflowSource {
  const prebuilt = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  const compiledFromDist = import.meta.url.endsWith('.js');
  if (compiledFromDist && fs.existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: workflowsEntry() };
}

export function workflowsEntry(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../workflows/index.${extension}`, import.meta.url));
}
