/**
 * Activity inputs are checked at the edge: a wrong path or id is a `GitConfigError` (not worth a
 * retry) naming every problem, before any git command runs. Objects are not strict, because the
 * workflow passes its richer `GitSpec` where a `BoardGitConfig` is expected.
 */
import { z } from 'zod';
import { withRule } from '../../src/core/rule-schema.js';
import {
  absolutePathProblem,
  branchNameProblem,
  identityPartProblem,
  keepPatternProblem,
  relativePathProblem,
  shaProblem,
  unsafeIdReason,
} from '../../src/core/rules.js';
import { GitConfigError } from './errors.js';

// The same rules the board schema applies at load time (src/core/rules.ts): what a board accepts, these accept.
const absolutePath = withRule(z.string(), absolutePathProblem);
const safeId = withRule(z.string(), unsafeIdReason);
const sha = withRule(z.string(), shaProblem);
const relativeEntry = withRule(z.string(), relativePathProblem);
const keepPattern = withRule(z.string(), keepPatternProblem);
const identityPart = withRule(z.string(), identityPartProblem);
const branchName = withRule(z.string(), branchNameProblem);

export const boardGitConfigSchema = z.object({
  repo: absolutePath,
  base: branchName.optional(),
  worktreeRoot: absolutePath,
  poolSize: z.number().int().min(0),
  keep: z.array(keepPattern),
  copy: z.array(relativeEntry),
  link: z.array(relativeEntry),
  strategy: z.enum(['merge', 'rebase', 'squash']),
  author: z.object({ name: identityPart, email: identityPart }).optional(),
});

const boardInput = z.object({ git: boardGitConfigSchema, boardId: safeId });
const taskInput = boardInput.extend({ taskId: safeId });

export const prepareWorktreeSchema = taskInput.extend({
  startSha: sha,
  poolSlot: z.number().int().min(0).optional(),
  startBranch: z.string().optional(),
});
export const commitSchema = taskInput.extend({
  description: z.string(),
  path: absolutePath,
  branch: z.string(),
  startSha: sha,
  leasedAt: z.number().int().min(0).optional(),
});
export const integrateSchema = taskInput.extend({ branch: z.string(), taskSha: sha });
export const releaseSchema = taskInput.extend({
  path: absolutePath.optional(),
  branch: z.string(),
  poolSlot: z.number().int().min(0).optional(),
  remove: z.boolean(),
  keepBranch: z.boolean().optional(),
});
export const landSchema = boardInput.extend({ baseBranch: branchName, expectedBaseSha: sha, integrationHead: sha });
export const boardOnlySchema = boardInput;
export const initIntegrationSchema = boardInput.extend({
  fresh: z.boolean().optional(),
  rebuild: z.array(z.object({ taskId: safeId, sha, dependsOn: z.array(safeId) })).optional(),
});

/** Checks `value` and returns it as it came (extra fields and all), or throws every problem found. */
export function checkInput<T>(schema: z.ZodType, value: T, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return value;
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`);
  throw new GitConfigError(`${what}: invalid input\n  ${problems.join('\n  ')}`);
}
