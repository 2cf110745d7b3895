/**
 * How the CLI's one error boundary words a failure. Expected failures (Todone's own errors, a
 * server that does not answer) are one plain message; anything else is unexpected, and its stack
 * goes to the log file (or stderr with --debug).
 */
import { NamespaceNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { TodoneError } from '../errors.js';
import { causes, grpcFailure, isServerLoss } from './server-errors.js';

export interface Failure {
  message: string;
  expected: boolean;
  exitCode: number;
}

export function explainFailure(error: unknown): Failure {
  if (error instanceof TodoneError) return { message: error.message, expected: true, exitCode: error.exitCode };
  if (error instanceof NamespaceNotFoundError) {
    return {
      message: `Temporal has no namespace "${error.namespace}". Create it (\`temporal operator namespace create --namespace ${error.namespace}\`) or set TEMPORAL_NAMESPACE to one that exists.`,
      expected: true,
      exitCode: 2,
    };
  }
  if (error instanceof WorkflowFailedError) {
    return {
      message: `The board's workflow ended without a result: ${describeError(error)}.`,
      expected: true,
      exitCode: 1,
    };
  }
  if (isServerLoss(error)) {
    return {
      message:
        `Temporal did not answer (${describeError(error)}). Boards are kept by the server: ` +
        'check that it is running and reachable, then run the command again.',
      expected: true,
      exitCode: 1,
    };
  }
  return { message: describeError(error), expected: false, exitCode: 1 };
}

/** One line: the error's message and its causes' (a ServiceError's own message omits the gRPC details). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (const err of causes(error)) {
    const text = err instanceof Error ? err.message : String(err);
    if (text && !parts.some((part) => part.includes(text))) parts.push(text);
  }
  const grpc = grpcFailure(error);
  if (grpc && !parts.some((part) => part.includes(grpc.details))) parts.push(grpc.details);
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  return name + parts.join(': ');
}

/** The stack with every cause's stack after it. */
export function fullStack(error: Error): string {
  return causes(error)
    .map((err, i) => {
      const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
      return i === 0 ? text : `Caused by: ${text}`;
    })
    .join('\n');
}
