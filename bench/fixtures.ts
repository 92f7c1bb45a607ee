/**
 * The clients, user and API resource every benchmark run uses. Created in Sesame's database through Sesame's own
 * services (before the server starts, so an embedded database is not opened twice), then handed to the baseline
 * server as JSON so both serve the very same client ids, secrets and redirect URIs.
 */
import { randomBytes } from 'node:crypto';
import { createApplication } from '../src/apps/app.service.ts';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { insertAllowlistEntries } from '../src/permissions/permission.repository.ts';
import { createResource } from '../src/resources/resource.service.ts';
import { openRuntime } from '../src/runtime.ts';
import { createUser } from '../src/users/user.service.ts';

export interface Fixtures {
  issuer: string;
  user: { id: string; login: string; password: string };
  /** First-party traditional web app: confidential, code + PKCE, refresh tokens. */
  web: { clientId: string; clientSecret: string; redirectUri: string };
  /** Machine-to-machine app allowed `scope` of `resource`. */
  m2m: { clientId: string; clientSecret: string };
  resource: { indicator: string; scope: string };
}

export const benchRedirectUri = 'http://127.0.0.1/bench/callback';

/** Creates the fixtures in the database `env` points Sesame at (migrating it first). */
export async function createFixtures(env: Record<string, string>, issuer: string): Promise<Fixtures> {
  const config = loadConfig(env);
  const runtime = await openRuntime(config, createLogger('warn'));
  try {
    const { db } = runtime;
    const run = randomBytes(4).toString('hex');
    const password = `bench password ${run}`;
    const user = await createUser(db, { username: `bench-${run}`, password, email: `bench-${run}@example.com`, name: 'Bench User' });
    const indicator = `https://api.bench.example/${run}`;
    const resource = await createResource(db, issuer, { name: `Bench API ${run}`, indicator, scopes: [{ name: 'read:things' }] });
    const web = await createApplication(db, { name: `bench web ${run}`, type: 'traditional', redirect_uris: [benchRedirectUri] });
    const m2m = await createApplication(db, { name: `bench m2m ${run}`, type: 'm2m' });
    // An m2m app's resource allowlist (application_resource_scopes); the permissions service is for third-party apps.
    await insertAllowlistEntries(db, m2m.application.id, [], resource.scopes.map((s) => s.id));
    return {
      issuer,
      user: { id: user.id, login: user.username, password },
      web: { clientId: web.application.id, clientSecret: web.clientSecret!, redirectUri: benchRedirectUri },
      m2m: { clientId: m2m.application.id, clientSecret: m2m.clientSecret! },
      resource: { indicator, scope: 'read:things' },
    };
  } finally {
    await runtime.db.destroy();
    runtime.lock?.release();
  }
}
