/**
 * The board's search attributes: what `temporal workflow list --query` and the Web UI's filters
 * find boards by ("all failed boards of repo X"). Part of the public contract; clusters register
 * them once (docs/CONTRACT.md), the embedded server does it by itself.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The board id (the workflow id is `todone-board-<id>`). */
export const BOARD_ID_ATTRIBUTE = defineSearchAttributeKey('TodoneBoardId', SearchAttributeType.KEYWORD);
/** The board's name, as written (Keyword: matched whole, or with STARTS_WITH). */
export const BOARD_NAME_ATTRIBUTE = defineSearchAttributeKey('TodoneBoardName', SearchAttributeType.KEYWORD);
/** Git boards: the repository's absolute path on the workers. */
export const REPO_ATTRIBUTE = defineSearchAttributeKey('TodoneRepo', SearchAttributeType.KEYWORD);
/** `running` from the start, then the board's final state: `completed`, `failed` or `cancelled`. */
export const STATE_ATTRIBUTE = defineSearchAttributeKey('TodoneState', SearchAttributeType.KEYWORD);

/** Every attribute with its type, for registering them (the `temporal` CLI's type names). */
export const BOARD_SEARCH_ATTRIBUTES = [
  BOARD_ID_ATTRIBUTE,
  BOARD_NAME_ATTRIBUTE,
  REPO_ATTRIBUTE,
  STATE_ATTRIBUTE,
] as const;
