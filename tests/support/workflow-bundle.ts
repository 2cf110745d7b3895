/** The suite's one workflow bundle (built with dist/ and checked fresh by global-setup.ts), read once per test file. */
import fs from 'node:fs/promises';
import { inject } from 'vitest';

let code: Promise<string> | undefined;

export function suiteWorkflowCode(): Promise<string> {
  return (code ??= fs.readFile(inject('workflowBundlePath'), 'utf8'));
}
