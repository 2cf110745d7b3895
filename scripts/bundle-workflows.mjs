// Builds the workflow bundle once at build time so each `todone run` skips webpack.
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const workflowsPath = fileURLToPath(new URL('../dist/workflows/index.js', import.meta.url));
const out = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));
const { code } = await bundleWorkflowCode({
  workflowsPath,
  logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
});
await fs.writeFile(out, code);
