import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesameCli, startServerProcess } from './support/cli.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';
import { authorizationRequest, relyingParty, signIn } from './support/relying-party.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Libraries only a few requests need are loaded by the first of those requests, not at start: each is megabytes of
 * heap a node would otherwise hold for ever (bench/README.md, lever 11). Other tests send e-mail, fetch metadata
 * documents, add authenticator apps and passkeys through them; this one proves a node serving ordinary traffic —
 * with SMTP configured, and a sign-in page that offers passkeys — has not loaded them.
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

  it('are not in a node that signs apps and people in and answers discovery', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { HOST: '127.0.0.1', PORT: String(port), SESAME_ISSUER: url, SESAME_LOG_LEVEL: 'warn', SESAME_SMTP_URL: 'smtp://127.0.0.1:9', ...database.env };
    const created = await sesameCli(env, 'apps', 'create', '--name', 'Lean', '--type', 'm2m', '--json');
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    const web = await sesameCli(env, 'apps', 'create', '--name', 'Lean web', '--type', 'traditional', '--redirect-uri', 'https://lean.example.com/cb', '--json');
    expect(web.code, web.stderr).toBe(0);
    const webApp = JSON.parse(web.stdout) as { client_id: string; client_secret: string };
    const credentials = { login: 'lean', password: 'a lean node signs me in' };
    const user = await sesameCli(env, 'users', 'create', '--username', credentials.login, '--password', credentials.password);
    expect(user.code, user.stderr).toBe(0);

    const server = await startServerProcess(env, ['--import', './test/support/record-module-loads.ts']);
    try {
      const discovery = await fetch(`${url}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      const token = await fetch(`${url}/oidc/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      expect(token.status).toBe(200);
      // The sign-in page offers passkeys (second factors are on by default); the person signs in with a password.
      const rp = await relyingParty({ url }, { clientId: webApp.client_id, clientSecret: webApp.client_secret }, 'https://lean.example.com/cb');
      const { response: signInPage } = await new UserAgent(url).follow((await authorizationRequest(rp)).url.toString());
      expect(await signInPage.text()).toContain('data-webauthn="authenticate"');
      const { tokens } = await signIn(rp, new UserAgent(url), credentials);
      expect(tokens.claims()?.sub).toBeTruthy();
    } finally {
      await server.stop();
    }
    const loaded = server.output().matchAll(/^loaded file:\/\/\S*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm);
    const packages = new Set([...loaded].map(([, name]) => name));
    expect(packages.has('oidc-provider'), 'the recording hook saw the engine load').toBe(true);
    expect(loadedOnDemand.filter((name) => packages.has(name))).toEqual([]);
  });
});
