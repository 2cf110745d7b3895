/** The coding agents `todone draft` (and the MCP draft tool) can have write a board. */
export const DRAFT_AGENTS = ['claude', 'codex', 'gemini', 'aider'] as const;
