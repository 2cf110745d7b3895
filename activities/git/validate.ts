/**
 * Activity inputs are checked at the edge: a wrong path or id is a `GitConfigError` (not worth a
 * retry) naming every problem, before any git command runs. Objects are not strict, because the
 * workflow passes its richer `GitSpec` where a `BoardGitConfig` is expected.
 */
import path from 'node:path';
import { z } from 'zod';
import { isSafeId } from '../../src/core/board.js';
import { GitConfigError } from './errors.js';

const absolutePath = z.string().refine((p) => p !== '' && path.isAbsolute(p), 'must be an absolute path');
const safeId = z.string().refine(isSafeId, "must be a safe id (letters, digits, '.', '_', '-')");
const sha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a full commit SHA');
/** Stays inside the folder it is relative to, and never names git's own data. */
const relativeEntry = z.string().refine((p) => {
  if (p === '' || path.isAbsolute(p) || p.includes('\0')) return false;
  const parts = p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  return parts.length > 0 && !parts.includes('..') && parts[0] !== '.git';
}, 'must be a relative path inside the repository (no "..", not .git)');
const keepPattern = z.string().refine((p) => p.trim() !== '' && !p.includes('\0') && !p.includes('\n'), 'must be a non-empty pattern');
/** Git rejects `<`, `>` and newlines in identities. */
const identityPart = z.string().refine((s) => s.trim() !== '' && !/[<>\n\0]/.test(s), 'must be non-empty, without <, > or newlines');
const branchName = z
  .string()
  .refine((b) => b !== '' && !b.startsWith('-') && !b.startsWith('refs/') && !/[\s~^:?*[\\\0]|\.\.|@\{|\/\/|\.lock$|^\/|\/$|\.$/.test(b), 'must be a local branch name');

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

export const prepareWorktreeSchema = taskInput.extend({ startSha: sha, poolSlot: z.number().int().min(0).optional() });
export const commitSchema = taskInput.extend({ description: z.string(), path: absolutePath, branch: z.string(), startSha: sha });
export const integrateSchema = taskInput.extend({ branch: z.string(), taskSha: sha });
export const releaseSchema = taskInput.extend({
  path: absolutePath,
  branch: z.string(),
  poolSlot: z.number().int().min(0).optional(),
  remove: z.boolean(),
});
export const landSchema = boardInput.extend({ baseBranch: branchName, expectedBaseSha: sha, integrationHead: sha });
export const boardOnlySchema = boardInput;

/** Checks `value` and returns it as it came (extra fields and all), or throws every problem found. */
export function checkInput<T>(schema: z.ZodType, value: T, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return value;
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`);
  throw new GitConfigError(`${what}: invalid input\n  ${problems.join('\n  ')}`);
}
