/**
 * Reading what the Temporal client throws. `@temporalio/client` wraps a failed call in a
 * ServiceError whose `cause` is the gRPC error with its status code; a server that is gone shows
 * as UNAVAILABLE (connection refused, no connection established).
 */
import { isGrpcServiceError } from '@temporalio/client';

/** The gRPC status codes Todone tells apart (numbers from the gRPC spec). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface GrpcFailure {
  code: number;
  details: string;
}

/** The first gRPC error in the cause chain, if any. */
export function grpcFailure(error: unknown): GrpcFailure | undefined {
  for (const err of causes(error)) {
    if (isGrpcServiceError(err)) return { code: Number(err.code ?? -1), details: err.details || err.message };
  }
  return undefined;
}

/** The server did not answer at all: it stopped, restarts, or the network between is down. */
export function isServerLoss(error: unknown): boolean {
  for (const err of causes(error)) {
    if (isGrpcServiceError(err) && Number(err.code) === GrpcCode.UNAVAILABLE) return true;
    if (err instanceof Error && 'code' in err && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET'))
      return true;
  }
  return false;
}

/** The error and its causes, outermost first (bounded: cause chains can loop). */
export function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}
