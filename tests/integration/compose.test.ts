/**
 * The deployment file: Debian's docker-compose validates it without an engine (none runs here),
 * and the topology holds what a cluster needs: pinned images, health checks, named volumes, a
 * worker that scales, and no secrets in the file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/test-tools.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  healthcheck?: { test: unknown };
  ports?: unknown[];
  container_name?: string;
  volumes?: unknown[];
  environment?: Record<string, string>;
}

async function resolvedConfig(): Promise<{ services: Record<string, Service>; volumes: Record<string, unknown> }> {
  const { stdout } = await execa('docker-compose', ['--env-file', '.env.example', 'config'], { cwd: root });
  return parse(stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
}

describe.skipIf(skipWithout('docker-compose'))('docker-compose.yml', () => {
  it('is valid for docker-compose (config -q), given the variables .env.example names', async () => {
    const result = await execa('docker-compose', ['--env-file', '.env.example', 'config', '-q'], {
      cwd: root,
      reject: false,
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('refuses to start without the secrets, naming the missing variable', async () => {
    const empty = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'todone-compose-')), 'empty.env');
    await fs.writeFile(empty, '');
    const result = await execa('docker-compose', ['--env-file', empty, 'config', '-q'], {
      cwd: root,
      reject: false,
      env: { PATH: process.env.PATH },
      extendEnv: false,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/set POSTGRES_(USER|PASSWORD) in \.env/);
  });

  it('runs PostgreSQL, Temporal, its Web UI, MinIO and scalable Todone workers, pinned and health-checked', async () => {
    const { services, volumes } = await resolvedConfig();
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'minio', 'worker'])
      expect(Object.keys(services)).toContain(name);
    for (const [name, service] of Object.entries(services)) {
      if (service.image) expect(service.image, `${name} pins its image`).toMatch(/:[^:]+$/);
      if (service.image) expect(service.image, `${name} pins its image`).not.toMatch(/:latest$/);
    }
    for (const name of ['postgresql', 'temporal', 'minio', 'worker'])
      expect(services[name]!.healthcheck, `${name} has a health check`).toBeDefined();
    const worker = services.worker!;
    expect(worker.build).toBeDefined();
    // Scaling needs no fixed name and no fixed host port.
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TODONE_PAYLOAD_STORE: 's3://todone-payloads',
      AWS_ENDPOINT_URL: 'http://minio:9000',
    });
    expect(Object.keys(volumes)).toEqual(expect.arrayContaining(['postgres-data', 'minio-data', 'worker-data']));
  });

  it('holds no secret values itself: they come from .env', async () => {
    const text = await fs.readFile(path.join(root, 'docker-compose.yml'), 'utf8');
    const example = await fs.readFile(path.join(root, '.env.example'), 'utf8');
    for (const line of example.split('\n')) {
      const [key, value] = line.split('=');
      if (!key || key.startsWith('#') || !value || !/PASSWORD|KEY|SECRET|TOKEN/.test(key)) continue;
      expect(text).not.toContain(value);
    }
    // A secret-looking key is only ever given a ${VARIABLE} from the environment.
    expect(text).not.toMatch(/^\s*[A-Z_]*(PASSWORD|PWD|SECRET_ACCESS_KEY|API_KEY)[A-Z_]*:\s*[^$\s]/m);
    await expect(fs.access(path.join(root, 'Dockerfile'))).resolves.toBeUndefined();
  });
});
