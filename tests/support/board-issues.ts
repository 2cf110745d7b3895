/** What a board loader reports about a bad board; the test fails if the board is accepted. */
import { expect } from 'vitest';
import { InvalidInputError, type Issue } from '../../src/errors.js';

export function loaderIssues(load: () => unknown): Issue[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).issues;
  }
  throw new Error('the board was accepted');
}
