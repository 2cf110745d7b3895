/**
 * The shape of a board file as the user writes it. Only types and ranges are checked here; the
 * relations between tasks (ids, dependencies, cycles) are validate.ts's job, and defaults are
 * applied by load.ts. Durations come out in milliseconds.
 */
import { z } from 'zod';
import { TASK_TYPES } from '../core/board.js';
import { parseDuration } from '../core/duration.js';
import { describeValue } from './format.js';
import { suggestion } from './suggest.js';

interface IssueInput {
  code?: string;
  input?: unknown;
}

/** Zod's stock messages talk about its own types ("received string"); say what the board needs instead. */
function expected(what: string) {
  return {
    error: (issue: IssueInput) => {
      // Unknown fields get their own wording (zod-issues.ts), with a suggestion per key.
      if (issue.code === 'unrecognized_keys') return undefined;
      if (issue.input === undefined) return `required: expected ${what}`;
      return `expected ${what}, got ${describeValue(issue.input)}`;
    },
  };
}

function oneOf(values: readonly string[]) {
  return {
    error: (issue: IssueInput) => {
      const list = values.map((v) => JSON.stringify(v)).join(', ');
      const hint = typeof issue.input === 'string' ? suggestion(issue.input, values) : '';
      return `expected one of ${list}, got ${describeValue(issue.input)}${hint}`;
    },
  };
}

const DURATION_FORMS = 'a number of seconds or a string like "500ms", "30s", "5m", "1h30m"';

function duration(options: { allowZero: boolean }) {
  return z.unknown().transform((value, ctx) => {
    const ms = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || (!options.allowZero && ms === 0)) {
      const what = options.allowZero ? 'a duration' : 'a duration above zero';
      ctx.addIssue({ code: 'custom', message: `expected ${what} (${DURATION_FORMS}), got ${describeValue(value)}` });
      return z.NEVER;
    }
    return ms;
  });
}

const positiveInteger = expected('a positive integer');
const atLeastOne = expected('a whole number >= 1');
const atLeastOneNumber = expected('a number >= 1');

const taskId = z.string(expected('a task id (a string)'));

/** `dependsOn: build` is read as `dependsOn: [build]`: a one-item list is what anyone writing it meant. */
const dependsOn = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z.array(taskId, expected('a list of task ids')),
);

const command = z.custom<string | string[]>(
  (value) =>
    (typeof value === 'string' && value.trim() !== '') ||
    (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') && value[0] !== ''),
  expected('a non-empty command: a shell string, or an argv list of strings'),
);

/** YAML reads `DEBUG: 1` as a number; an environment only holds strings, so scalars are stringified. */
const envValue = z.union([z.string(), z.number(), z.boolean()], expected('a string')).transform(String);

export const agentSchema = z.strictObject(
  {
    kind: z.literal('shell', oneOf(['shell'])),
    command,
    env: z.record(z.string(), envValue, expected('a mapping of variable names to values')).optional(),
  },
  expected('a shell command string, or a mapping like { kind: shell, command: "..." }'),
);

/** A bare string is the common case, so it stands for a shell agent running that command. */
const agent = z.preprocess(
  (value) => (typeof value === 'string' ? { kind: 'shell', command: value } : value),
  agentSchema,
);

export const retrySchema = z.strictObject(
  {
    maxAttempts: z.number(atLeastOne).int(atLeastOne).min(1, atLeastOne).optional(),
    initialInterval: duration({ allowZero: false }).optional(),
    backoffCoefficient: z.number(atLeastOneNumber).min(1, atLeastOneNumber).optional(),
    maxInterval: duration({ allowZero: false }).optional(),
  },
  expected('a retry mapping (maxAttempts, initialInterval, backoffCoefficient, maxInterval)'),
);

export const taskSchema = z.strictObject(
  {
    id: taskId,
    description: z.string(expected('a string')).optional(),
    type: z.enum(TASK_TYPES, oneOf(TASK_TYPES)).optional(),
    dependsOn: dependsOn.optional(),
    agent: agent.optional(),
    estimate: duration({ allowZero: true }).optional(),
    priority: z.number(expected('a number')).optional(),
    retry: retrySchema.optional(),
    timeout: duration({ allowZero: false }).optional(),
    heartbeatTimeout: duration({ allowZero: false }).optional(),
  },
  expected('a task (a mapping with at least an id)'),
);

const nonEmptyText = expected('a non-empty string');
const pathList = z.array(z.string(nonEmptyText).min(1, nonEmptyText), expected('a list of paths'));

export const worktreesSchema = z.strictObject(
  {
    root: z.string(nonEmptyText).min(1, nonEmptyText).optional(),
    pool: z.number(expected('a whole number >= 0')).int(expected('a whole number >= 0')).min(0, expected('a whole number >= 0')).optional(),
    keep: pathList.optional(),
    copy: pathList.optional(),
    link: pathList.optional(),
    keepFailed: z.boolean(expected('true or false')).optional(),
  },
  expected('a worktrees mapping (root, pool, keep, copy, link, keepFailed)'),
);

export const authorSchema = z.strictObject(
  {
    name: z.string(nonEmptyText).min(1, nonEmptyText),
    email: z.string(nonEmptyText).min(1, nonEmptyText),
  },
  expected('an author mapping { name, email }'),
);

export const integrationSchema = z.strictObject(
  {
    strategy: z.enum(['merge', 'rebase', 'squash'], oneOf(['merge', 'rebase', 'squash'])).optional(),
    onConflict: z.enum(['fail', 'retry'], oneOf(['fail', 'retry'])).optional(),
    conflictRetries: z.number(atLeastOne).int(atLeastOne).min(1, atLeastOne).optional(),
    author: authorSchema.optional(),
  },
  expected('an integration mapping (strategy, onConflict, conflictRetries, author)'),
);

export const boardObjectSchema = z.strictObject(
  {
    name: z.string(nonEmptyText).refine((name) => name.trim() !== '', nonEmptyText),
    id: z.string(expected('a board id (a string)')).optional(),
    maxParallel: z.number(positiveInteger).int(positiveInteger).positive(positiveInteger).optional(),
    policy: z.enum(['eager', 'waves'], oneOf(['eager', 'waves'])).optional(),
    workdir: z.string(nonEmptyText).min(1, nonEmptyText).optional(),
    agent: agent.optional(),
    retry: retrySchema.optional(),
    timeout: duration({ allowZero: false }).optional(),
    heartbeatTimeout: duration({ allowZero: false }).optional(),
    repo: z.string(nonEmptyText).min(1, nonEmptyText).optional(),
    base: z.string(nonEmptyText).min(1, nonEmptyText).optional(),
    worktrees: worktreesSchema.optional(),
    integration: integrationSchema.optional(),
    tasks: z.array(taskSchema, expected('a list of tasks')),
  },
  expected('a board: a mapping with a name and a list of tasks'),
);

/** Top-level `x-…` fields are the user's own (a home for YAML anchors); `$schema` is for editors. */
function isIgnoredField(key: string): boolean {
  return key.startsWith('x-') || key === '$schema';
}

export const boardSchema = z.preprocess((value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !isIgnoredField(key)));
}, boardObjectSchema);

export type RawBoard = z.output<typeof boardSchema>;
export type RawTask = z.output<typeof taskSchema>;
export type RawAgent = z.output<typeof agentSchema>;
export type RawRetry = z.output<typeof retrySchema>;

/** The fields each kind of mapping accepts, for "unknown field" messages. */
export const KNOWN_FIELDS = {
  board: Object.keys(boardObjectSchema.shape),
  task: Object.keys(taskSchema.shape),
  agent: Object.keys(agentSchema.shape),
  retry: Object.keys(retrySchema.shape),
  worktrees: Object.keys(worktreesSchema.shape),
  integration: Object.keys(integrationSchema.shape),
  author: Object.keys(authorSchema.shape),
} as const;
