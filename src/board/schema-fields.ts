/**
 * Which fields a mapping of the board accepts, read from the zod schema itself so "unknown field"
 * suggestions can never drift from what the schema checks.
 */
import { z } from 'zod';
import type { PathSegment } from './format.js';

/**
 * The keys the mapping at `at` accepts. `raw` is the input that was parsed: where the schema
 * branches on a discriminator (an agent's `kind`), the option is chosen by the value found there.
 * Empty when `at` leads nowhere the schema describes as a mapping.
 */
export function fieldsAt(schema: z.ZodType, at: readonly PathSegment[], raw: unknown): readonly string[] {
  let node: z.ZodType | undefined = schema;
  let value = raw;
  for (const segment of at) {
    node = childOf(unwrap(node, value), segment);
    if (node === undefined) return [];
    value = isObject(value) ? (value as Record<PathSegment, unknown>)[segment] : undefined;
  }
  return keysOf(unwrap(node, value));
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Looks through what wraps a mapping without changing its keys: optional, preprocess, transforms, unions by kind. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let node = schema;
  for (;;) {
    if (node instanceof z.ZodOptional || node instanceof z.ZodNullable || node instanceof z.ZodDefault) {
      node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodPipe) {
      // preprocess(fn, schema) reads through to `schema`; schema.transform(fn) reads `schema`.
      node = (node.in instanceof z.ZodTransform ? node.out : node.in) as z.ZodType;
    } else if (node instanceof z.ZodDiscriminatedUnion) {
      node = optionFor(node, value);
    } else if (node instanceof z.ZodUnion) {
      node = mappingOption(node, value);
    } else {
      return node;
    }
  }
}

/**
 * Unknown keys are only reported once the discriminator matched, so an unmatched one never asks;
 * the first option is the fallback.
 */
function optionFor(union: z.ZodDiscriminatedUnion, value: unknown): z.ZodType {
  const key = union._zod.def.discriminator;
  const given = isObject(value) ? (value as Record<string, unknown>)[key] : undefined;
  const options = union.options as readonly z.ZodType[];
  const match = options.find((option) => {
    const discriminator = option instanceof z.ZodObject ? (option.shape as Record<string, z.ZodType>)[key] : undefined;
    const values: ReadonlySet<unknown> | undefined = discriminator?._zod.values;
    return values?.has(given) ?? false;
  });
  return match ?? options[0]!;
}

/**
 * A setting written either as a value or as a mapping (`expectChanges`, `requires`): the keys
 * reported unknown belong to the mapping, so a mapping's value reads through to that option.
 */
function mappingOption(union: z.ZodUnion, value: unknown): z.ZodType {
  const options = union.options as readonly z.ZodType[];
  if (!isObject(value) || Array.isArray(value)) return options[0]!;
  const mapping = options.find((option) => {
    const inner = unwrap(option, value);
    return inner instanceof z.ZodObject || inner instanceof z.ZodRecord;
  });
  return mapping ?? options[0]!;
}

function childOf(node: z.ZodType, segment: PathSegment): z.ZodType | undefined {
  if (node instanceof z.ZodObject) return (node.shape as Record<string, z.ZodType | undefined>)[String(segment)];
  if (node instanceof z.ZodArray) return typeof segment === 'number' ? (node.element as z.ZodType) : undefined;
  if (node instanceof z.ZodRecord) return node.valueType as z.ZodType;
  return undefined;
}

function keysOf(node: z.ZodType): readonly string[] {
  if (node instanceof z.ZodObject) return Object.keys(node.shape);
  // A record keyed by an enum (agents and validators by task type) accepts the enum's values.
  if (node instanceof z.ZodRecord) {
    const keys = (node.keyType as z.ZodType)._zod.values;
    return keys ? [...keys].filter((k): k is string => typeof k === 'string') : [];
  }
  return [];
}
