/**
 * Builds of the board workflow for upgrade tests: the current workflows/ ("build A", the suite's
 * own bundle), and the same source with an edit applied ("build B"), bundled as a worker would load them. B is made
 * from A's own files, so the difference between the builds is exactly the edit, and an edit whose
 * anchor text has moved fails loudly instead of testing something else.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsEntry } from '../../worker/workflow-code.js';
import { suiteWorkflowCode } from './workflow-bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const noop = () => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

export type SourceEdit =
  /** `find` must occur exactly once in the file of workflows/. */
  | { file: string; find: string; replace: string }
  /** Lines put at the top of the file (an import). */
  | { file: string; prepend: string };

/** The current workflows/: the suite's one bundle (global-setup.ts), never a second webpack run. */
export const bundleCurrent = suiteWorkflowCode;

/**
 * A copy of the project where workflows/ holds the edited files and everything else is a link to
 * the real thing (src/, activities/, node_modules/), so the workflow's imports resolve as before.
 */
export async function bundleEdited(edits: SourceEdit[]): Promise<string> {
  const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-build-'));
  try {
    for (const entry of await fs.readdir(ROOT)) {
      if (entry !== 'workflows' && entry !== '.git') await fs.symlink(path.join(ROOT, entry), path.join(copy, entry));
    }
    await fs.cp(path.join(ROOT, 'workflows'), path.join(copy, 'workflows'), { recursive: true });
    for (const edit of edits) {
      const file = path.join(copy, 'workflows', edit.file);
      const source = await fs.readFile(file, 'utf8');
      if ('prepend' in edit) {
        await fs.writeFile(file, `${edit.prepend}\n${source}`);
        continue;
      }
      const found = source.split(edit.find).length - 1;
      if (found !== 1)
        throw new Error(
          `workflows/${edit.file}: expected "${edit.find}" once, found it ${found} times; update the edit to the current source`,
        );
      await fs.writeFile(
        file,
        source.replace(edit.find, () => edit.replace),
      );
    }
    return (
      await bundleWorkflowCode({
        workflowsPath: path.join(copy, 'workflows', path.basename(workflowsEntry())),
        logger: quiet,
      })
    ).code;
  } finally {
    await fs.rm(copy, { recursive: true, force: true });
  }
}

/**
 * The change build B makes, the one the design notes expect next: a lower continue-as-new
 * threshold. Tiny here (a run continues as new after its first task ends) so one small board
 * shows it; a real change would pick thousands of events.
 */
export const LOWER_THRESHOLD = 5;
export const LOWER_THRESHOLD_PATCH = 'lower-continue-as-new-threshold';
const THRESHOLD_USE = 'input.continueAfterEvents ?? DEFAULT_CONTINUE_AFTER_EVENTS';

/** B as the rule says to write it: the new threshold only where no history says otherwise. */
export const lowerThresholdPatched: SourceEdit[] = [
  { file: 'board-workflow.ts', prepend: "import { patched } from '@temporalio/workflow';" },
  {
    file: 'board-workflow.ts',
    find: THRESHOLD_USE,
    replace: `input.continueAfterEvents ?? (patched('${LOWER_THRESHOLD_PATCH}') ? ${LOWER_THRESHOLD} : DEFAULT_CONTINUE_AFTER_EVENTS)`,
  },
];

/** The same change made naively: boards in flight no longer replay. */
export const lowerThresholdUnpatched: SourceEdit[] = [
  { file: 'board-workflow.ts', find: THRESHOLD_USE, replace: `input.continueAfterEvents ?? ${LOWER_THRESHOLD}` },
];
