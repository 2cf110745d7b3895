/**
 * A normalised task (TaskSpec, src/core/board.ts) as it crosses the wire: Todone's own clients add
 * tasks to a running board already normalised by the loader. The workflow cannot take that on
 * trust, since any client can send anything, so the addTasks update checks the shape here before
 * a task reaches the scheduler: every field the workflow reads, with its type and the loader's
 * limits. Pure.
 */
import { z } from 'zod';
import { AGGREGATE_KINDS, APPROVAL_TIMEOUT_POLICIES, SANDBOX_MODES, TASK_TYPES, type TaskSpec } from '../core/board.js';
import { CAPABILITY_PATTERN, MAX_CAPABILITIES } from '../core/capabilities.js';
import { LIMITS } from '../core/limits.js';
import { allowEntryProblem } from '../core/network-policy.js';

const PATH_MAX = 4_096;

/** Built on first use (see boardSchemas in schema.ts: the workflow would pay for it at every start). */
function build() {
  const text = z.string().max(LIMITS.text);
  const commandPart = z.string().max(LIMITS.command);
  const positive = z.number().positive();
  const env = z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    z.union([commandPart, z.strictObject({ fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) })]),
  );
  const allowEntry = z.string().refine((entry) => allowEntryProblem(entry) === undefined, {
    message: 'expected host or host:port (a loopback one with its port)',
  });
  const confinement = {
    sandbox: z.enum(SANDBOX_MODES).optional(),
    network: z.union([z.boolean(), z.strictObject({ allow: z.array(allowEntry) })]).optional(),
    // Where the folders may be is checked again on the worker that runs the task.
    writable: z.array(z.string().min(1).max(PATH_MAX)).optional(),
    passEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
  };

  const cliAgent = <K extends 'claude' | 'codex' | 'gemini' | 'aider'>(kind: K) =>
    z.strictObject({
      kind: z.literal(kind),
      model: z.string().min(1).max(LIMITS.name).optional(),
      args: z.array(commandPart),
      env,
      permissive: z.boolean().optional(),
      bin: z.string().min(1).max(PATH_MAX).optional(),
      ...confinement,
    });

  const agentSpec = z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('shell'),
      command: z.union([commandPart.min(1), z.array(commandPart).min(1)]),
      env,
      ...confinement,
    }),
    cliAgent('claude'),
    cliAgent('codex'),
    cliAgent('gemini'),
    cliAgent('aider'),
    z.strictObject({ kind: z.literal('custom'), command: z.array(commandPart).min(1), env, ...confinement }),
  ]);

  const schema = z.strictObject({
    id: z.string(),
    description: text,
    type: z.enum(TASK_TYPES),
    dependsOn: z.array(z.string()).max(LIMITS.dependsOn),
    agent: agentSpec,
    estimateMs: z.number().min(0),
    priority: z.number(),
    retry: z
      .strictObject({
        maxAttempts: z.number().int().min(1),
        initialIntervalMs: positive,
        backoffCoefficient: z.number().min(1),
        maxIntervalMs: positive,
      })
      .refine((r) => r.maxIntervalMs >= r.initialIntervalMs, {
        message: 'maxIntervalMs must not be shorter than initialIntervalMs',
      }),
    timeoutMs: positive,
    heartbeatTimeoutMs: positive,
    idleTimeoutMs: positive.optional(),
    validate: z.array(z.strictObject({ run: commandPart.min(1), required: z.boolean() })).optional(),
    candidates: z
      .strictObject({
        count: z.number().int().min(2),
        agents: z.array(agentSpec),
        pick: z.enum(['first', 'smallest', 'vote']),
      })
      .optional(),
    requires: z.array(z.string().regex(CAPABILITY_PATTERN)).max(MAX_CAPABILITIES).optional(),
    budget: z
      .strictObject({ usd: z.number().min(0).optional(), tokens: z.number().int().min(0).optional() })
      .optional(),
    expectChanges: z.boolean().optional(),
    aggregate: z
      .union([
        z.enum(AGGREGATE_KINDS.filter((k) => k !== 'reduce') as ['concat', 'merge', 'vote']),
        z.strictObject({ reduce: commandPart.min(1) }),
      ])
      .optional(),
    approval: z
      .strictObject({
        before: z.boolean(),
        timeoutMs: positive.optional(),
        onTimeout: z.enum(APPROVAL_TIMEOUT_POLICIES).optional(),
      })
      .optional(),
    reviews: z.array(z.string()).min(1).max(LIMITS.dependsOn).optional(),
    maxRounds: z.number().int().min(1).max(20).optional(),
  }) satisfies z.ZodType<TaskSpec>;
  return schema;
}

let built: ReturnType<typeof build> | undefined;

export function taskSpecSchema(): ReturnType<typeof build> {
  return (built ??= build());
}
