/**
 * The shape of a board file as the user writes it. Types, ranges and the git rules the git
 * activities rely on (src/core/rules.ts) are checked here; the relations between tasks (ids,
 * dependencies, cycles) are validate.ts's job, and defaults are applied by load.ts. Durations come
 * out in milliseconds.
 */
import { z } from 'zod';
import {
  AGENT_KINDS,
  APPROVAL_TIMEOUT_POLICIES,
  CUSTOM_PLACEHOLDERS,
  NOTIFY_EVENTS,
  SANDBOX_MODES,
  TASK_TYPES,
  type CliAgentSpec,
} from '../core/board.js';
import { CAPABILITY_PATTERN, MAX_CAPABILITIES, normaliseCapabilities } from '../core/capabilities.js';
import { parseDuration } from '../core/duration.js';
import { formatCount, LIMITS } from '../core/limits.js';
import { allowEntryProblem } from '../core/network-policy.js';
import { withRule } from '../core/rule-schema.js';
import type { Rule } from '../core/rules.js';
import {
  MAX_CACHE_ENV,
  MAX_INPUT_GLOBS,
  branchNameProblem,
  cacheEnvNameProblem,
  identityPartProblem,
  inputGlobProblem,
  keepPatternProblem,
  relativePathProblem,
} from '../core/rules.js';
import { describeValue } from './format.js';
import { secretNameProblem } from './secret-names.js';
import { suggestion } from './suggest.js';
import { isIgnoredField } from './validate.js';

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

/** A size limit (src/core/limits.ts), said with the size the value has. */
function atMost(max: number, unit: string) {
  return {
    error: (issue: IssueInput) => {
      const size = typeof issue.input === 'string' || Array.isArray(issue.input) ? issue.input.length : undefined;
      return `at most ${formatCount(max)} ${unit}${size === undefined ? '' : ` (it has ${formatCount(size)})`}`;
    },
  };
}

/** Paths are at most PATH_MAX long. */
const PATH_MAX = 4_096;

/** A review's verdicts before it gives up: a few, not a loop that spends without end. */
export const MAX_REVIEW_ROUNDS = 20;

/** Webhooks a board may have: a channel or two, not a broadcast list. */
export const MAX_WEBHOOKS = 10;

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

/**
 * Every schema of the board, built on first use and kept: building them costs about 30 ms, which
 * the workflow would otherwise pay each time it starts or replays a board (its bundle's modules run
 * again for every workflow), though it needs them only when tasks are added.
 */
function buildSchemas() {
  const positiveInteger = expected('a positive integer');
  const atLeastOne = expected('a whole number >= 1');
  const atLeastOneNumber = expected('a number >= 1');

  const taskId = z.string(expected('a task id (a string)'));

  /** `dependsOn: build` is read as `dependsOn: [build]`: a one-item list is what anyone writing it meant. */
  const dependsOn = z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z.array(taskId, expected('a list of task ids')).max(LIMITS.dependsOn, atMost(LIMITS.dependsOn, 'dependencies')),
  );

  /** The longest part of a command: a shell string or an argv entry reaches exec as one argument, under its 128 KiB. */
  function longestPart(value: unknown): number {
    if (typeof value === 'string') return value.length;
    return Array.isArray(value) ? Math.max(0, ...value.map((v) => (typeof v === 'string' ? v.length : 0))) : 0;
  }

  const COMMAND_FORMS = 'a non-empty command: a shell string, or an argv list of strings';

  const command = z.custom<string | string[]>(
    (value) =>
      ((typeof value === 'string' && value.trim() !== '') ||
        (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') && value[0] !== '')) &&
      longestPart(value) <= LIMITS.command,
    {
      error: (issue: IssueInput) => {
        const longest = longestPart(issue.input);
        if (longest > LIMITS.command)
          return `at most ${formatCount(LIMITS.command)} characters a part (it has ${formatCount(longest)})`;
        return expected(COMMAND_FORMS).error(issue);
      },
    },
  );

  /** A command string, as checks and reduce commands are written. */
  const commandText = (what: string) =>
    z.string(expected(what)).max(LIMITS.command, atMost(LIMITS.command, 'characters'));

  const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
  const envName = expected('a variable name (letters, digits and _, not starting with a digit)');

  /** `{ fromEnv: NAME }`: the worker reads NAME from its own environment; the board holds the name only. */
  const envReference = z.strictObject(
    { fromEnv: z.string(envName).regex(ENV_NAME, envName) },
    expected("a string, or { fromEnv: VARIABLE } to read a variable from the worker's environment"),
  );

  /** YAML reads `DEBUG: 1` as a number; an environment only holds strings, so scalars are stringified. */
  const envLiteral = z.union([z.string(), z.number(), z.boolean()], expected('a string')).transform(String);
  const envValue = z.union([envLiteral, envReference], expected('a string, or { fromEnv: VARIABLE }'));

  /**
   * A literal under a name that looks like a secret would be stored in the workflow's input and
   * shown by the Web UI: refused, with the form that keeps it out.
   */
  const env = z
    .record(z.string(), envValue, expected('a mapping of variable names to values'))
    .superRefine((vars, ctx) => {
      for (const [name, value] of Object.entries(vars)) {
        if (typeof value !== 'string') continue;
        // NAME=value reaches exec as one string, under its 128 KiB.
        if (value.length > LIMITS.command) {
          const message = `at most ${formatCount(LIMITS.command)} characters (it has ${formatCount(value.length)})`;
          ctx.addIssue({ code: 'custom', path: [name], message });
          continue;
        }
        const problem = secretNameProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      }
    });

  const sandboxMode = z.enum(SANDBOX_MODES, oneOf(SANDBOX_MODES));

  const nonEmptyText = expected('a non-empty string');
  const nonEmptyString = z.string(nonEmptyText).min(1, nonEmptyText);

  const NETWORK_FORMS = 'true (the host network), false (none), or { allow: [host:port, ...] }';
  const allowEntry = z.string(expected('a host or host:port')).superRefine((entry, ctx) => {
    const problem = allowEntryProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
  /** Absent: the outside through Todone's proxy, never the host's own services (src/core/network-policy.ts). */
  const network = z.union(
    [z.boolean(), z.strictObject({ allow: z.array(allowEntry, expected('a list of host or host:port entries')) })],
    {
      error: (issue: IssueInput) => {
        const input = issue.input;
        if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
          const unknown = Object.keys(input).filter((key) => key !== 'allow');
          if (unknown.length > 0)
            return `unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}${suggestion(unknown[0]!, ['allow'])} (expected { allow: [host:port, ...] })`;
        }
        return expected(NETWORK_FORMS).error(issue);
      },
    },
  );

  /** Folders a confined task may also write; where they may be is the loader's check (writable-paths.ts). */
  const writable = z.array(nonEmptyString.max(PATH_MAX, atMost(PATH_MAX, 'characters')), expected('a list of folders'));

  const passEnv = z.array(
    z.string(envName).regex(ENV_NAME, envName),
    expected("a list of variable names to take from the worker's environment"),
  );

  /**
   * A non-empty string that also keeps one of git's rules (src/core/rules.ts), the very rule the git
   * activities check: a value that would fail inside the workflow is reported here, before it starts.
   */
  function gitSetting(rule: Rule) {
    return withRule(nonEmptyString, rule, (problem, value) => `${problem}, got ${describeValue(value)}`);
  }

  const AGENT_SHAPES = `a shell command string, or a mapping with a kind (${AGENT_KINDS.join(', ')})`;

  const shellAgentSchema = z.strictObject({ kind: z.literal('shell'), command, env: env.optional() });

  /** The coding-agent CLIs share one shape: the adapter knows each one's flags. */
  function cliAgentSchema<K extends CliAgentSpec['kind']>(kind: K) {
    return z.strictObject({
      kind: z.literal(kind),
      model: nonEmptyString.max(LIMITS.name, atMost(LIMITS.name, 'characters')).optional(),
      args: z
        .array(
          z.string(expected('a string')).max(LIMITS.command, atMost(LIMITS.command, 'characters')),
          expected('a list of extra arguments (strings)'),
        )
        .optional(),
      env: env.optional(),
      bin: nonEmptyString.max(PATH_MAX, atMost(PATH_MAX, 'characters')).optional(),
      permissive: z.boolean(expected('true or false')).optional(),
    });
  }

  const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

  /** An unknown placeholder is a typo that would reach the agent verbatim; catch it at load time. */
  const templateArgument = z
    .string(expected('a string'))
    .max(LIMITS.command, atMost(LIMITS.command, 'characters'))
    .superRefine((arg, ctx) => {
      for (const [, name] of arg.matchAll(PLACEHOLDER)) {
        if ((CUSTOM_PLACEHOLDERS as readonly string[]).includes(name!)) continue;
        const list = CUSTOM_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${name}}${suggestion(name!, CUSTOM_PLACEHOLDERS)} (expected one of ${list})`,
        });
      }
    });

  const customCommand = z
    .array(templateArgument, expected('an argv template: a list of strings'))
    .refine((argv) => argv.length > 0 && argv[0] !== '', expected('a non-empty argv template: a list of strings'));

  const customAgentSchema = z.strictObject({ kind: z.literal('custom'), command: customCommand, env: env.optional() });

  const agentSchemas = [
    shellAgentSchema,
    cliAgentSchema('claude'),
    cliAgentSchema('codex'),
    cliAgentSchema('gemini'),
    cliAgentSchema('aider'),
    customAgentSchema,
  ] as const;

  const agentSchema = z.discriminatedUnion('kind', agentSchemas, {
    error: (issue: IssueInput) => {
      if (issue.code === 'invalid_union' && typeof issue.input === 'object' && issue.input !== null) {
        // The discriminator did not match: word it as a bad `kind` (zod puts the issue at `.kind`).
        const kind = (issue.input as { kind?: unknown }).kind;
        if (kind === undefined)
          return `required: expected one of ${AGENT_KINDS.map((k) => JSON.stringify(k)).join(', ')}`;
        return oneOf(AGENT_KINDS).error({ input: kind });
      }
      return `expected ${AGENT_SHAPES}, got ${describeValue(issue.input)}`;
    },
  });

  /** A bare string is the common case, so it stands for a shell agent running that command. */
  const agent = z.preprocess(
    (value) => (typeof value === 'string' ? { kind: 'shell', command: value } : value),
    agentSchema,
  );

  /** Validation commands are the user's own shell strings, like shell agents. */
  const validateCommand = commandText('a shell command string').refine(
    (run) => run.trim() !== '',
    expected('a non-empty shell command string'),
  );

  const validateObject = z.strictObject(
    { run: validateCommand, required: z.boolean(expected('true or false')).optional() },
    expected('a command string, or a mapping { run: "...", required: false }'),
  );

  /** A bare string is the common case: a required check. */
  const validateEntry = z.preprocess((value) => (typeof value === 'string' ? { run: value } : value), validateObject);

  /** `validate: npm test` is read as a one-item list, like `dependsOn`. */
  const validateList = z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z.array(validateEntry, expected('a list of commands')),
  );

  /** Keyed by task type; zod reports an unknown type as an unknown field (zod-issues.ts suggests the right one). */
  function byTaskType<T extends z.ZodType>(value: T, what: string) {
    return z.partialRecord(z.enum(TASK_TYPES), value, expected(`a mapping of task types to ${what}`));
  }

  const capabilityName = expected(
    'a capability name (lowercase letters, digits, ".", "_", "-"; at most 40 characters)',
  );

  /**
   * `requires: gpu` is read as `requires: [gpu]`. A worker offers at most MAX_CAPABILITIES, so a task
   * requiring more could never run: refused here rather than left waiting forever.
   */
  const requiresSchema = z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(z.string(capabilityName).regex(CAPABILITY_PATTERN, capabilityName), expected('a list of capability names'))
      .refine((names) => normaliseCapabilities(names).length <= MAX_CAPABILITIES, {
        message: `at most ${MAX_CAPABILITIES} capabilities (a worker offers at most ${MAX_CAPABILITIES})`,
      }),
  );

  const retrySchema = z.strictObject(
    {
      maxAttempts: z.number(atLeastOne).int(atLeastOne).min(1, atLeastOne).optional(),
      initialInterval: duration({ allowZero: false }).optional(),
      backoffCoefficient: z.number(atLeastOneNumber).min(1, atLeastOneNumber).optional(),
      maxInterval: duration({ allowZero: false }).optional(),
    },
    expected('a retry mapping (maxAttempts, initialInterval, backoffCoefficient, maxInterval)'),
  );

  const nonNegative = expected('a number >= 0');
  const budgetFields = {
    usd: z.number(nonNegative).min(0, nonNegative).optional(),
    tokens: z.number(nonNegative).int(nonNegative).min(0, nonNegative).optional(),
  };

  const taskBudgetSchema = z.strictObject(budgetFields, expected('a budget mapping (usd, tokens)'));

  const boardBudgetSchema = z.strictObject(
    { ...budgetFields, onExhausted: z.enum(['finish', 'cancel'], oneOf(['finish', 'cancel'])).optional() },
    expected('a budget mapping (usd, tokens, onExhausted)'),
  );

  const attemptsObjectSchema = z.strictObject(
    {
      count: z
        .number(expected('a whole number >= 2'))
        .int(expected('a whole number >= 2'))
        .min(2, expected('a whole number >= 2'))
        .optional(),
      agents: z.array(agent, expected('a list of agents')).min(1, expected('a non-empty list of agents')).optional(),
      pick: z.enum(['first', 'smallest', 'vote'], oneOf(['first', 'smallest', 'vote'])).optional(),
    },
    expected('a number of candidates, or a mapping (count, agents, pick)'),
  );

  /** `attempts: 3` is read as `attempts: { count: 3 }`. */
  const attempts = z.preprocess(
    (value) => (typeof value === 'number' ? { count: value } : value),
    attemptsObjectSchema,
  );

  /** `inputs: src/**` is read as a one-item list, like `dependsOn`. */
  const inputGlobs = z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(withRule(nonEmptyString, inputGlobProblem), expected('a list of globs (src/**, package.json, ...)'))
      .max(MAX_INPUT_GLOBS, { message: `at most ${MAX_INPUT_GLOBS} globs` }),
  );

  /** Names only: the worker hashes their values into the key and never stores them. */
  const cacheEnvNames = z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(withRule(nonEmptyString, cacheEnvNameProblem), expected('a list of variable names'))
      .max(MAX_CACHE_ENV, { message: `at most ${MAX_CACHE_ENV} names` }),
  );

  const AGGREGATE_FORMS = 'concat, merge, vote, or { reduce: "a shell command" }';

  /** How a task with no agent of its own combines its dependencies' outputs. */
  const aggregateReduceSchema = z.strictObject(
    {
      reduce: commandText('a shell command string').refine(
        (c) => c.trim() !== '',
        expected('a non-empty shell command string'),
      ),
    },
    expected(AGGREGATE_FORMS),
  );
  const aggregate = z.union([z.enum(['concat', 'merge', 'vote']), aggregateReduceSchema], {
    error: (issue: IssueInput) => {
      const hint =
        typeof issue.input === 'string' ? suggestion(issue.input, ['concat', 'merge', 'vote', 'reduce']) : '';
      return `expected ${AGGREGATE_FORMS}, got ${describeValue(issue.input)}${hint}`;
    },
  });

  const APPROVAL_FORMS = 'required, none, or a gate mapping (before, timeout, onTimeout)';

  /**
   * A task's approval gate. `required` waits after the task's work passed its checks, `none` asks for
   * nothing (a task's own `none` wins over the board's gate); a mapping says when and how long.
   */
  const approvalGateSchema = z
    .strictObject(
      {
        before: z.boolean(expected('true or false')).optional(),
        timeout: duration({ allowZero: false }).optional(),
        onTimeout: z.enum(APPROVAL_TIMEOUT_POLICIES, oneOf(APPROVAL_TIMEOUT_POLICIES)).optional(),
      },
      expected(APPROVAL_FORMS),
    )
    .superRefine((gate, ctx) => {
      if (gate.onTimeout !== undefined && gate.timeout === undefined)
        ctx.addIssue({ code: 'custom', path: ['onTimeout'], message: 'onTimeout needs a timeout (e.g. timeout: 2d)' });
      if (gate.before && gate.onTimeout === 'reject')
        ctx.addIssue({
          code: 'custom',
          path: ['onTimeout'],
          message: 'a gate before the task starts has no work to send back: onTimeout approve or fail',
        });
    });

  /** `required` is read as a gate with no options, `none` as no gate at all (null). */
  const approvalSchema = z.preprocess(
    (value) => (value === 'required' ? {} : value === 'none' ? null : value),
    approvalGateSchema.nullable(),
  );

  /**
   * The board's gate for every task, or per task type (`{ deploy: required }`), like `expectChanges`.
   * A mapping whose keys are task types is the per-type form; any other value is one gate for all.
   */
  const boardApproval = z.unknown().transform((value, ctx) => {
    const perType =
      typeof value === 'object' &&
      value !== null &&
      Object.keys(value).some((key) => (TASK_TYPES as readonly string[]).includes(key));
    const parsed = (perType ? byTaskType(approvalSchema, APPROVAL_FORMS) : approvalSchema).safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  });

  /** A review's tasks: `reviews: api` is read as `reviews: [api]`. */
  const reviewsSchema = z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(taskId, expected('a list of task ids'))
      .min(1, expected('a non-empty list of task ids'))
      .max(LIMITS.dependsOn, atMost(LIMITS.dependsOn, 'reviewed tasks')),
  );

  const rounds = expected(`a whole number from 1 to ${MAX_REVIEW_ROUNDS}`);

  const taskSchema = z.strictObject(
    {
      id: taskId,
      description: z.string(expected('a string')).max(LIMITS.text, atMost(LIMITS.text, 'characters')).optional(),
      type: z.enum(TASK_TYPES, oneOf(TASK_TYPES)).optional(),
      dependsOn: dependsOn.optional(),
      agent: agent.optional(),
      validate: validateList.optional(),
      budget: taskBudgetSchema.optional(),
      attempts: attempts.optional(),
      estimate: duration({ allowZero: true }).optional(),
      priority: z.number(expected('a number')).optional(),
      retry: retrySchema.optional(),
      timeout: duration({ allowZero: false }).optional(),
      heartbeatTimeout: duration({ allowZero: false }).optional(),
      idleTimeout: duration({ allowZero: false }).optional(),
      expectChanges: z.boolean(expected('true or false')).optional(),
      /** Capabilities a worker must offer to run it; replaces the board's `requires` for this task (`[]`: any worker). */
      requires: requiresSchema.optional(),
      sandbox: sandboxMode.optional(),
      network: network.optional(),
      /** Added to the board's list. */
      writable: writable.optional(),
      /** Added to the board's list. */
      passEnv: passEnv.optional(),
      aggregate: aggregate.optional(),
      /** Its result may come from the cache when its inputs are what they were (default: the board's). */
      cache: z.boolean(expected('true or false')).optional(),
      /** Its input files (globs relative to its folder); replaces the board's `inputs` for this task. */
      inputs: inputGlobs.optional(),
      /** Variables its result depends on, added to the board's `cacheEnv`. */
      cacheEnv: cacheEnvNames.optional(),
      approval: approvalSchema.optional(),
      reviews: reviewsSchema.optional(),
      maxRounds: z.number(rounds).int(rounds).min(1, rounds).max(MAX_REVIEW_ROUNDS, rounds).optional(),
    },
    expected('a task (a mapping with at least an id)'),
  );

  const pathList = (rule: Rule) => z.array(gitSetting(rule), expected('a list of paths'));

  const worktreesSchema = z.strictObject(
    {
      root: z.string(nonEmptyText).min(1, nonEmptyText).max(PATH_MAX, atMost(PATH_MAX, 'characters')).optional(),
      pool: z
        .number(expected('a whole number >= 0'))
        .int(expected('a whole number >= 0'))
        .min(0, expected('a whole number >= 0'))
        .optional(),
      keep: z.array(gitSetting(keepPatternProblem), expected('a list of patterns')).optional(),
      copy: pathList(relativePathProblem).optional(),
      link: pathList(relativePathProblem).optional(),
      keepFailed: z.boolean(expected('true or false')).optional(),
    },
    expected('a worktrees mapping (root, pool, keep, copy, link, keepFailed)'),
  );

  const authorSchema = z.strictObject(
    {
      name: gitSetting(identityPartProblem),
      email: gitSetting(identityPartProblem),
    },
    expected('an author mapping { name, email }'),
  );

  const integrationSchema = z.strictObject(
    {
      strategy: z.enum(['merge', 'rebase', 'squash'], oneOf(['merge', 'rebase', 'squash'])).optional(),
      onConflict: z.enum(['fail', 'retry'], oneOf(['fail', 'retry'])).optional(),
      conflictRetries: z.number(atLeastOne).int(atLeastOne).min(1, atLeastOne).optional(),
      author: authorSchema.optional(),
    },
    expected('an integration mapping (strategy, onConflict, conflictRetries, author)'),
  );

  /** A webhook's address: http(s), at most 2,048 characters. */
  const webhookUrlText = z
    .string(expected('an http:// or https:// URL'))
    .max(2_048, atMost(2_048, 'characters'))
    .regex(/^https?:\/\/[^\s/?#@]+(?:[/?#][^\s]*)?$/i, expected('an http:// or https:// URL with a host'));

  const webhookSchema = z.strictObject(
    {
      /** A Slack webhook's URL is a secret of its own: `{ fromEnv: NAME }` keeps it out of the board. */
      url: z.union([webhookUrlText, envReference], {
        error: (issue: IssueInput) =>
          typeof issue.input === 'string'
            ? `expected an http:// or https:// URL with a host, got ${describeValue(issue.input)}`
            : `expected a URL, or { fromEnv: VARIABLE }, got ${describeValue(issue.input)}`,
      }),
      events: z
        .array(z.enum(NOTIFY_EVENTS, oneOf(NOTIFY_EVENTS)), expected('a list of events'))
        .min(1, expected('a non-empty list of events'))
        .optional(),
      secret: envReference.optional(),
    },
    expected('a webhook mapping (url, events, secret)'),
  );

  const boardObjectSchema = z.strictObject(
    {
      name: z
        .string(nonEmptyText)
        .max(LIMITS.name, atMost(LIMITS.name, 'characters'))
        .refine((name) => name.trim() !== '', nonEmptyText)
        .refine((name) => !/[\n\r]/.test(name), 'must be one line'),
      id: z.string(expected('a board id (a string)')).optional(),
      maxParallel: z.number(positiveInteger).int(positiveInteger).positive(positiveInteger).optional(),
      policy: z.enum(['eager', 'waves'], oneOf(['eager', 'waves'])).optional(),
      workdir: z.string(nonEmptyText).min(1, nonEmptyText).max(PATH_MAX, atMost(PATH_MAX, 'characters')).optional(),
      goal: z.string(expected('a string')).max(LIMITS.text, atMost(LIMITS.text, 'characters')).optional(),
      agent: agent.optional(),
      agents: byTaskType(agent, 'agents').optional(),
      validators: byTaskType(validateList, 'lists of commands').optional(),
      budget: boardBudgetSchema.optional(),
      retry: retrySchema.optional(),
      timeout: duration({ allowZero: false }).optional(),
      heartbeatTimeout: duration({ allowZero: false }).optional(),
      idleTimeout: duration({ allowZero: false }).optional(),
      /** How every task's agent and checks are confined (default `worktree`); a task can say otherwise. */
      sandbox: sandboxMode.optional(),
      /** Where confined tasks' network reaches; a task can say otherwise. */
      network: network.optional(),
      /** Folders every confined task may also write (caches a build keeps outside its folder). */
      writable: writable.optional(),
      /** Variables every task takes from the worker's environment by name. */
      passEnv: passEnv.optional(),
      /** true/false for every task type, or per type: `{ analyze: true, deploy: false }`. */
      expectChanges: z
        .union(
          [z.boolean(), byTaskType(z.boolean(expected('true or false')), 'true or false')],
          expected('true or false, or a mapping of task types to true or false'),
        )
        .optional(),
      /** Capabilities every task requires, or per type: `{ deploy: [prod-creds] }`. */
      requires: z
        .union(
          [requiresSchema, byTaskType(requiresSchema, 'lists of capability names')],
          expected('a list of capability names, or a mapping of task types to lists'),
        )
        .optional(),
      /** Cache task results: true or false for every task, or per type: `{ analyze: true }`. Off by default. */
      cache: z
        .union(
          [z.boolean(), byTaskType(z.boolean(expected('true or false')), 'true or false')],
          expected('true or false, or a mapping of task types to true or false'),
        )
        .optional(),
      /** Every cached task's input files unless it names its own. */
      inputs: inputGlobs.optional(),
      /** Variables every cached task's result depends on. */
      cacheEnv: cacheEnvNames.optional(),
      repo: z.string(nonEmptyText).min(1, nonEmptyText).max(PATH_MAX, atMost(PATH_MAX, 'characters')).optional(),
      /** Instead of `repo`: the URL of a repository every worker clones and pushes to (a board on a fleet). */
      remote: z.string(nonEmptyText).min(1, nonEmptyText).max(PATH_MAX, atMost(PATH_MAX, 'characters')).optional(),
      base: gitSetting(branchNameProblem).optional(),
      worktrees: worktreesSchema.optional(),
      integration: integrationSchema.optional(),
      /** An approval gate for every task, or per task type: `{ deploy: required }`. */
      approval: boardApproval.optional(),
      notify: z
        .array(webhookSchema, expected('a list of webhooks'))
        .max(MAX_WEBHOOKS, atMost(MAX_WEBHOOKS, 'webhooks'))
        .optional(),
      breakpoints: z
        .array(taskId, expected('a list of task ids'))
        .max(LIMITS.tasks, atMost(LIMITS.tasks, 'breakpoints'))
        .optional(),
      tasks: z.array(taskSchema, expected('a list of tasks')).max(LIMITS.tasks, atMost(LIMITS.tasks, 'tasks')),
    },
    expected('a board: a mapping with a name and a list of tasks'),
  );

  const boardSchema = z.preprocess((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => !isIgnoredField(key)));
  }, boardObjectSchema);

  return {
    agentSchema,
    requiresSchema,
    retrySchema,
    taskBudgetSchema,
    boardBudgetSchema,
    attemptsObjectSchema,
    aggregateReduceSchema,
    taskSchema,
    worktreesSchema,
    authorSchema,
    integrationSchema,
    boardObjectSchema,
    boardSchema,
    validateEntry,
    approvalSchema,
    webhookSchema,
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;

/** The board schemas (the same objects every call). */
export function boardSchemas(): Schemas {
  return (built ??= buildSchemas());
}

export type RawBoard = z.output<Schemas['boardSchema']>;
export type RawTask = z.output<Schemas['taskSchema']>;
/** A task as a person writes it under `tasks:` (shorthands, durations as "5m"). */
export type WrittenTask = z.input<Schemas['taskSchema']>;
export type RawAgent = z.output<Schemas['agentSchema']>;
export type RawValidateEntry = z.output<Schemas['validateEntry']>;
export type RawRetry = z.output<Schemas['retrySchema']>;
export type RawApproval = z.output<Schemas['approvalSchema']>;
export type RawWebhook = z.output<Schemas['webhookSchema']>;
