/**
 * When Temporal refuses to start a board's workflow, say why in the user's terms and what to do,
 * instead of the client's "ServiceError: Failed to start Workflow" and its stack.
 */
import { NamespaceNotFoundError } from '@temporalio/client';
import { InvalidInputError, SetupError, TodoneError } from '../errors.js';
import { describeError } from './failure.js';
import { GrpcCode, grpcFailure, isServerLoss } from './server-errors.js';

export interface StartContext {
  boardId: string;
  file: string;
  address: string;
  namespace: string;
}

/** The refusal as a TodoneError, or undefined when `error` is not a refusal by the server. */
export function explainStartRefusal(error: unknown, ctx: StartContext): TodoneError | undefined {
  if (error instanceof TodoneError) return undefined;
  const where = `Temporal at ${ctx.address} (namespace ${ctx.namespace})`;
  if (isServerLoss(error)) {
    return new TodoneError(
      `${where} stopped answering while starting board "${ctx.boardId}" (${describeError(error)}). ` +
        `Check that it is running, then run \`todone run ${ctx.file}\` again: it starts the board, or attaches to it if it did start.`,
      'START_REFUSED',
      1,
    );
  }
  const grpc = grpcFailure(error);
  if (
    error instanceof NamespaceNotFoundError ||
    (grpc?.code === GrpcCode.NOT_FOUND && /namespace/i.test(grpc.details))
  ) {
    return new SetupError(
      `${where} has no namespace "${ctx.namespace}", so board "${ctx.boardId}" was not started. Create it ` +
        `(\`temporal operator namespace create --namespace ${ctx.namespace}\`) or set TEMPORAL_NAMESPACE to one that exists.`,
    );
  }
  if (!grpc) return undefined;
  const details = grpc.details;
  if (grpc.code === GrpcCode.PERMISSION_DENIED || grpc.code === GrpcCode.UNAUTHENTICATED) {
    return new SetupError(
      `${where} refused to start board "${ctx.boardId}": ${details}. Check the credentials Todone uses for it ` +
        '(TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE) and their permissions in that namespace.',
    );
  }
  if (isTooLarge(grpc.code, details)) {
    return new InvalidInputError(ctx.file, [
      {
        path: '',
        message:
          `Temporal refused to start board "${ctx.boardId}" because its input is too large (${details}). ` +
          'Shorten the task descriptions or split the board into smaller boards.',
      },
    ]);
  }
  if (grpc.code === GrpcCode.INVALID_ARGUMENT) {
    return new TodoneError(
      `${where} refused to start board "${ctx.boardId}": ${details}. Nothing was started; fix what it names and run again.`,
      'START_REFUSED',
      2,
    );
  }
  return new TodoneError(
    `${where} refused to start board "${ctx.boardId}": ${describeError(error)}. Nothing was started; ` +
      `run \`todone run ${ctx.file}\` again, and if it keeps failing look at the server's log.`,
    'START_REFUSED',
    1,
  );
}

function isTooLarge(code: number, details: string): boolean {
  return (
    (code === GrpcCode.INVALID_ARGUMENT || code === GrpcCode.RESOURCE_EXHAUSTED) &&
    /(size|blob).*(limit|exceed)|too large|larger than max|message length/i.test(details)
  );
}
