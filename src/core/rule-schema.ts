/** The rules of rules.ts as zod refinements, so the board schema and the git activities check with the same code. */
import type { z } from 'zod';
import type { Rule } from './rules.js';

/** How a broken rule is worded where it is reported; default: the rule's own "must ..." reason. */
export type Wording = (problem: string, value: string) => string;

/**
 * Adds `rule` to a string schema. It runs only on a value that passed the schema's own checks
 * (an empty string already reported as such is not reported twice).
 */
export function withRule<S extends z.ZodType<string>>(
  schema: S,
  rule: Rule,
  wording: Wording = (problem) => problem,
): S {
  return schema.superRefine(
    (value, ctx) => {
      const problem = rule(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: wording(problem, value), input: value });
    },
    { when: (payload) => payload.issues.length === 0 },
  );
}
