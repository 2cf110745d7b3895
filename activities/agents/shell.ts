/** A shell agent: the user's own command. A string runs through /bin/sh -c, a list runs as argv. */
import type { ShellAgentSpec } from '../../src/core/board.js';
import type { AgentAdapter } from './types.js';

export const shellAdapter: AgentAdapter<ShellAgentSpec> = {
  kind: 'shell',
  invocation({ agent }) {
    const { command } = agent;
    if (typeof command === 'string') return { file: '/bin/sh', args: ['-c', command], env: { ...agent.env } };
    const [file, ...args] = command;
    return { file: file ?? '', args, env: { ...agent.env } };
  },
};
