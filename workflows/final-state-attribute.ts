/**
 * At the end of a board, TodoneState goes from `running` to the board's final state, so "all failed
 * boards of repo X" is a visibility query. An upsert is a command: histories recorded before it
 * existed must replay without it, hence `patched`. Only boards started with the attributes get it:
 * their presence at start proves the namespace has them registered (an upsert of an unregistered
 * attribute would fail the workflow task and leave the board stuck at its very end).
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BoardState } from '../src/core/run-state.js';
import { STATE_ATTRIBUTE } from './search-attributes.js';

export const SEARCH_ATTRIBUTES_PATCH = 'todone-search-attributes';

export function publishFinalState(state: BoardState): void {
  if (workflowInfo().typedSearchAttributes.get(STATE_ATTRIBUTE) === undefined) return;
  if (!patched(SEARCH_ATTRIBUTES_PATCH)) return;
  upsertSearchAttributes([{ key: STATE_ATTRIBUTE, value: state }]);
}
