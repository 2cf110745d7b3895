/** The recovery that fits a session: restart the embedded dev server, or wait for a cluster. */
import { restartDevServer } from '../../../temporal/dev-server.js';
import { serverAnswers } from '../../../temporal/health.js';
import type { Session } from '../session.js';
import { GrpcCode, grpcFailure } from '../server-errors.js';
import { clusterRecovery, embeddedRecovery, type ServerRecovery } from './server-recovery.js';

export interface SessionRecoveryOptions {
  env: NodeJS.ProcessEnv;
  say: (line: string) => void;
  note?: (line: string) => void;
  /** The command that picks the board up again, for when recovery gives up. */
  resumeHint: string;
}

export function sessionRecovery(session: Session, opts: SessionRecoveryOptions): ServerRecovery {
  const { target } = session;
  const embedded = target.embedded;
  if (embedded) {
    return embeddedRecovery({
      dbFile: embedded.dbFile,
      resumeHint: opts.resumeHint,
      say: opts.say,
      // A refused TCP connect answers at once; a live server answers within 2 s.
      probe: () => serverAnswers(target.address, { namespace: target.namespace, timeoutMs: 2_000 }),
      restart: async () => {
        const info = await restartDevServer(embedded, {
          dataDir: session.home,
          env: opts.env,
          namespaces: [target.namespace],
        });
        // Later messages (a failed reconnect, say) name the server that runs now.
        target.embedded = info;
        return info;
      },
    });
  }
  return clusterRecovery({
    address: target.address,
    resumeHint: opts.resumeHint,
    say: opts.say,
    note: opts.note,
    // Through the session's own connection: a cluster may need its TLS and API key to answer.
    probe: async () => {
      try {
        await session.connection.withDeadline(Date.now() + 5_000, () =>
          session.connection.workflowService.getSystemInfo({}),
        );
        return true;
      } catch (error) {
        const code = grpcFailure(error)?.code;
        // Any other refusal (permissions, say) still came from a server that answers.
        return code !== undefined && code !== GrpcCode.UNAVAILABLE && code !== GrpcCode.DEADLINE_EXCEEDED;
      }
    },
  });
}
