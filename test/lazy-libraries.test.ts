import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesameCli, startServerProcess } from './support/cli.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';

/**
 * Libraries only a few requests need are loaded by the first of those requests, not at start: each is megabytes of
 * heap a node would otherwise hold for ever (bench/README.md, lever 11). Other tests send e-mail, fetch metadata
 * documents, add authenticator apps and passkeys through them; this one proves a node serving ordinary traffic —
 * with SMTP configured — has not loaded them.
 */
const loadedOnDemand = ['nodemailer', 'undici', '@simplewebauthn/server', 'qrcode'];

describe('Libraries loaded on demand', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('are not in a node that signs apps in and answers discovery', async () => {
    const port = await freePort();
    const env = { HOST: '127.0.0.1', PORT: String(port), SESAME_LOG_LEVEL: 'warn', SESAME_SMTP_URL: 'smtp://127.0.0.1:9', ...database.env };
    const created = await sesameCli(env, 'apps', 'create', '--name', 'Lean', '--type', 'm2m', '--json');
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { client_id: string; client_secret: string };

    const server = await startServerProcess(env, ['--import', './test/support/record-module-loads.ts']);
    try {
      const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      const token = await fetch(`http://127.0.0.1:${port}/oidc/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      expect(token.status).toBe(200);
    } finally {
      await server.stop();
    }
    const loaded = server.output().matchAll(/^loaded file:\/\/\S*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm);
    const packages = new Set([...loaded].map(([, name]) => name));
    expect(packages.has('oidc-provider'), 'the recording hook saw the engine load').toBe(true);
    expect(loadedOnDemand.filter((name) => packages.has(name))).toEqual([]);
  });
});
