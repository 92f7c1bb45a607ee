/**
 * Statements and writes per flow on PostgreSQL: Sesame in this process on a fresh database, each flow run `--n`
 * times one after another, every statement the pg driver sends counted by kind. Writes are what a flow costs the
 * shared database; round trips are what it waits for.
 *
 *   node bench/statements.ts [--n 20]      # markdown table on standard output
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame } from '../src/server.ts';
import { createFixtures } from './fixtures.ts';
import { authorizationCodeFlow, CookieJar, refreshFlow, signedInUser } from './flow-runner.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20' }, verbose: { type: 'boolean', default: false } } });
const n = Number(values.n);
const adminUrl = process.env.SESAME_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';

// Counted at the driver: every statement of every pooled client, prepared (named) or not. The change feed's LISTEN
// client is counted too; it sends nothing while the flows run.
const counts = new Map<string, number>();
const texts = new Map<string, number>();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function query(this: pg.Client, ...args: unknown[]) {
  const config = args[0] as string | { text?: string; name?: string };
  const text = typeof config === 'string' ? config : config?.text ?? '';
  const kind = statementKind(text);
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
  texts.set(text, (texts.get(text) ?? 0) + 1);
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;

/** The statement's verb; a `WITH …` statement's is the one after its common table expressions (outside parentheses). */
function statementKind(text: string): string {
  let depth = 0;
  let start = /^\s*with\b/i.test(text) ? text.search(/\bwith\b/i) + 4 : 0;
  for (let i = start; start && i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && /^(insert|update|delete|select)\b/i.test(text.slice(i)) && /\W/.test(text[i - 1] ?? ' ')) {
      start = i;
      break;
    }
  }
  return /^\s*(\w+)/.exec(text.slice(start))?.[1]?.toUpperCase() ?? '?';
}

const name = `sesame_statements_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: `${adminUrl}/postgres` });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
try {
  const env = { DATABASE_URL: `${adminUrl}/${name}`, SESAME_SECRET: randomBytes(32).toString('base64url'), PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'silent' };
  const sesame = await startSesame(loadConfig(env), createLogger('silent'));
  const base = new URL(sesame.issuer);
  const fx = await createFixtures(env, sesame.issuer);
  const rows: string[] = [];
  const measure = async (label: string, run: () => Promise<unknown>) => {
    await run();
    counts.clear();
    texts.clear();
    for (let i = 0; i < n; i++) await run();
    if (values.verbose) for (const [text, count] of texts) console.error(`${label}\t${count / n}\t${text.replace(/\s+/g, ' ').slice(0, 220)}`);
    const per = (kind: string) => (counts.get(kind) ?? 0) / n;
    const total = [...counts.values()].reduce((a, b) => a + b, 0) / n;
    const writes = per('INSERT') + per('UPDATE') + per('DELETE');
    rows.push(`| ${label} | ${total} | ${per('SELECT')} | ${writes} (${per('INSERT')} / ${per('UPDATE')} / ${per('DELETE')}) | ${per('BEGIN') + per('COMMIT') + per('ROLLBACK')} |`);
  };
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const post = (path: string, auth: string, body: Record<string, string>) => fetch(new URL(path, base), { method: 'POST', headers: { ...form, authorization: auth }, body: new URLSearchParams(body) }).then((r) => r.text());

  const signedIn = await signedInUser(base, fx);
  const offline = await signedInUser(base, fx, 'openid profile email offline_access');
  let refreshToken = offline.tokens.refresh_token!;
  await measure('2 client credentials, JWT', () => post('/oidc/token', basic(fx.m2m.clientId, fx.m2m.clientSecret), { grant_type: 'client_credentials', resource: fx.resource.indicator, scope: fx.resource.scope }));
  await measure('2b client credentials, opaque', () => post('/oidc/token', basic(fx.m2m.clientId, fx.m2m.clientSecret), { grant_type: 'client_credentials' }));
  await measure('3 code flow, existing session', () => authorizationCodeFlow(base, fx, signedIn.jar, { scope: 'openid profile email', expectInteraction: false }));
  await measure('4 sign-in with a password', () => authorizationCodeFlow(base, fx, new CookieJar(), { scope: 'openid profile email', expectInteraction: true }));
  await measure('5 refresh', async () => { refreshToken = (await refreshFlow(base, fx, refreshToken)).refresh_token!; });
  await measure('6 introspection', () => post('/oidc/token/introspection', basic(fx.web.clientId, fx.web.clientSecret), { token: signedIn.tokens.access_token }));
  await measure('7 userinfo', () => fetch(new URL('/oidc/me', base), { headers: { authorization: `Bearer ${signedIn.tokens.access_token}` } }).then((r) => r.text()));
  console.log(`Statements per flow on PostgreSQL (mean of ${n}, one at a time), counted at the pg driver:\n`);
  console.log('| flow | statements | SELECT | writes (INSERT / UPDATE / DELETE) | BEGIN / COMMIT |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  await sesame.close();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
process.exit(0);
