/** Python tools the tests run as processes (scripts/provision-test-tools.mjs puts them in place). */
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptsTcp } from '../../temporal/ports.js';
import { freePort } from './free-port.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** python3 with the project's .tools/python on its path. */
export function pythonEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    PYTHONPATH: [path.join(projectRoot, '.tools', 'python'), env.PYTHONPATH].filter(Boolean).join(path.delimiter),
  };
}

export interface S3Server {
  endpoint: string;
  stop(): Promise<void>;
}

/** moto's S3-compatible server on a free loopback port, ready when this resolves. */
export async function startS3Server(): Promise<S3Server> {
  const port = await freePort();
  const child: ResultPromise = execa('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: pythonEnv(),
    stdio: 'ignore',
    reject: false,
  });
  const deadline = Date.now() + 30_000;
  while (!(await acceptsTcp('127.0.0.1', port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `moto's S3 server did not listen on 127.0.0.1:${port} within 30 s (run npm run provision:test-tools)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
