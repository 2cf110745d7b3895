/**
 * The board document's JSON Schema, made from the zod schema itself (so it never drifts): the
 * input side, what a person or a service writes. Zod cannot see through the shorthands the loader
 * reads (`dependsOn: build`, `agent: "make"`, `attempts: 3`, durations as `"5m"`), so those are
 * described here, next to the schema pieces they belong to. Rules between tasks (unknown
 * dependencies, duplicate ids, cycles) and the git rules written as code cannot be JSON Schema:
 * the loader still checks them, and editors simply do not.
 */
import { z } from 'zod';
import { APPROVAL_TIMEOUT_POLICIES, CUSTOM_PLACEHOLDERS, TASK_TYPES } from '../core/board.js';
import { CAPABILITY_PATTERN } from '../core/capabilities.js';
import { LIMITS } from '../core/limits.js';
import { boardSchemas } from './schema.js';

type Json = Record<string, unknown>;

const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?|(\\d+(\\.\\d+)?(ms|s|m|h|d))+)\\s*$';

function duration(allowZero: boolean): Json {
  return {
    anyOf: [
      { type: 'number', ...(allowZero ? { minimum: 0 } : { exclusiveMinimum: 0 }) },
      { type: 'string', pattern: DURATION_PATTERN },
    ],
    description: 'A duration: a number of seconds, or a string like "500ms", "30s", "5m", "1h30m".',
  };
}

/** The zod pieces whose input is wider than their output, and what they accept as written. */
function shorthands(): Map<z.core.$ZodType, (written: Json) => Json> {
  const { agentSchema, boardObjectSchema, requiresSchema, taskSchema } = boardSchemas();
  const pipeOf = (schema: z.ZodType) => (schema as z.ZodOptional<z.ZodType>).unwrap();
  const dependsOn = pipeOf(taskSchema.shape.dependsOn);
  const agent = pipeOf(taskSchema.shape.agent);
  const validateList = pipeOf(taskSchema.shape.validate) as z.ZodPipe<z.ZodType, z.ZodArray<z.ZodType>>;
  const validateEntry = validateList.def.out.element;
  const attempts = pipeOf(taskSchema.shape.attempts);
  const estimate = pipeOf(taskSchema.shape.estimate);
  const approval = pipeOf(taskSchema.shape.approval);
  const reviews = pipeOf(taskSchema.shape.reviews);
  const boardApproval = pipeOf(boardObjectSchema.shape.approval);
  const shellCommand = agentSchema.options[0].shape.command;
  const customCommand = agentSchema.options[5].shape.command;
  const validateRun = (validateEntry as z.ZodPipe<z.ZodType, z.ZodObject<{ run: z.ZodType }>>).def.out.shape.run;
  const either = (shorthand: Json) => (written: Json) => ({ anyOf: [shorthand, written] });
  // Refinements zod cannot export, restated: not blank, not empty.
  const notBlank = (written: Json) => ({ ...written, pattern: '\\S' });
  const atLeastOne = (written: Json) => ({ ...written, minItems: 1 });
  return new Map<z.core.$ZodType, (written: Json) => Json>([
    [dependsOn, either({ type: 'string', description: 'One task id: the same as a list of one.' })],
    [
      requiresSchema,
      either({
        type: 'string',
        pattern: CAPABILITY_PATTERN.source,
        description: 'One capability: the same as a list of one.',
      }),
    ],
    [
      agent,
      either({
        type: 'string',
        pattern: '\\S',
        description: 'A shell command: the same as { kind: shell, command: ... }.',
      }),
    ],
    [validateList, either({ type: 'string', pattern: '\\S', description: 'One command: the same as a list of one.' })],
    [
      validateEntry,
      either({ type: 'string', pattern: '\\S', description: 'A required check: the same as { run: ... }.' }),
    ],
    [validateRun, notBlank],
    [boardObjectSchema.shape.name, notBlank],
    [customCommand, atLeastOne],
    // Checked by validate.ts with the relations between tasks, but a plain count all the same.
    [boardObjectSchema.shape.tasks, atLeastOne],
    [
      attempts,
      either({ type: 'integer', minimum: 2, description: 'A number of candidates: the same as { count: ... }.' }),
    ],
    [estimate, () => duration(true)],
    [approval, either(APPROVAL_WORDS)],
    [reviews, either({ type: 'string', description: 'One task id: the same as a list of one.' })],
    [boardApproval, () => boardApprovalJson()],
    [
      shellCommand,
      () => ({
        anyOf: [
          { type: 'string', pattern: '\\S', maxLength: LIMITS.command, description: 'Run by the shell.' },
          {
            type: 'array',
            items: { type: 'string', maxLength: LIMITS.command },
            minItems: 1,
            description: 'An argv list, run without a shell.',
          },
        ],
      }),
    ],
  ]);
}

const APPROVAL_WORDS: Json = {
  type: 'string',
  enum: ['required', 'none'],
  description: '`required`: a gate after the work (the same as {}); `none`: no gate.',
};

/** The board's `approval`: one gate for every task, or a mapping of task types to gates. */
function boardApprovalJson(): Json {
  const gate: Json = {
    anyOf: [
      APPROVAL_WORDS,
      {
        type: 'object',
        properties: {
          before: { type: 'boolean' },
          timeout: duration(false),
          onTimeout: { type: 'string', enum: [...APPROVAL_TIMEOUT_POLICIES] },
        },
        additionalProperties: false,
      },
      { type: 'null' },
    ],
  };
  return {
    anyOf: [
      ...(gate.anyOf as Json[]),
      {
        type: 'object',
        properties: Object.fromEntries(TASK_TYPES.map((type) => [type, gate])),
        additionalProperties: false,
        description: 'A gate per task type.',
      },
    ],
  };
}

/** `z.unknown().transform(parseDuration)`: the only piece whose written form zod sees as unknown. */
function isDuration(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def;
  return (
    def.type === 'pipe' &&
    (def as z.core.$ZodPipeDef).in._zod.def.type === 'unknown' &&
    (def as z.core.$ZodPipeDef).out._zod.def.type === 'transform'
  );
}

/**
 * The JSON Schema of a board document, draft-07 (what YAML and JSON editors read best). Throws if
 * a piece of the zod schema has no JSON Schema form and no description here, so a new shorthand
 * cannot ship undescribed.
 */
export function boardJsonSchema(): Json {
  const known = shorthands();
  const unexplained: string[] = [];
  const schema = z.toJSONSchema(boardSchemas().boardObjectSchema, {
    io: 'input',
    target: 'draft-07',
    unrepresentable: (ctx) => {
      if (!known.has(ctx.zodSchema)) unexplained.push(`${ctx.path.join('.') || '(root)'}: ${ctx.message}`);
      return 'any';
    },
    override: ({ zodSchema, jsonSchema }) => {
      const describe = known.get(zodSchema) ?? (isDuration(zodSchema) ? () => duration(false) : undefined);
      if (!describe) return;
      const written: Json = { ...jsonSchema };
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as Json)[key];
      Object.assign(jsonSchema, describe(written));
    },
  }) as Json;
  if (unexplained.length > 0)
    throw new Error(`the board schema has parts with no JSON Schema form:\n  ${unexplained.join('\n  ')}`);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Todone board',
    description:
      'A board of tasks for Todone (todone run board.yaml). Checked here: fields, types, ranges and shorthands. ' +
      'Checked only by Todone: task ids and dependencies (unknown, duplicate, cycles), git names and paths, ' +
      `custom agent placeholders (${CUSTOM_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}), secret-looking literals in env.`,
    ...withEditorFields(schema),
  };
}

/** The loader ignores `$schema` (for editors) and top-level `x-…` fields (a home for YAML anchors). */
function withEditorFields(schema: Json): Json {
  const { $schema: _drop, ...rest } = schema;
  const properties = (rest.properties ?? {}) as Json;
  return {
    ...rest,
    properties: { $schema: { type: 'string', description: 'Where editors find this schema.' }, ...properties },
    patternProperties: { '^x-': {} },
  };
}
