import type { GuideSample } from '../guide.schema.ts';
import type { GuideContext } from '../context.ts';
import { jsString, shellString } from '../literals.ts';

/** A service calling an API for itself: the client credentials grant, with curl and with Node.js. */

/** The API the samples ask a token for: the first one the app may use, with all the scopes it may have there. */
function target(context: GuideContext): { resource: string; scope: string } | undefined {
  const first = context.resources[0];
  return first ? { resource: first.indicator, scope: first.scopes.map((s) => s.name).join(' ') } : undefined;
}

export function m2mCurlSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const api = target(context);
  const lines = [
    `curl -u ${shellString(`${app.id}:${context.clientSecret!}`)} \\`,
    '  -d grant_type=client_credentials \\',
    ...(api ? [`  --data-urlencode ${shellString(`resource=${api.resource}`)} \\`, `  --data-urlencode ${shellString(`scope=${api.scope}`)} \\`] : []),
    `  ${shellString(facts.endpoints.token)}`,
  ];
  return {
    id: 'm2m-curl',
    platform: 'Shell',
    library: 'curl',
    summary: 'One request: the client ID and secret as HTTP Basic credentials, and the API named by `resource`. The answer holds `access_token`, `expires_in` and the granted `scope`.',
    install: null,
    files: [{ name: 'token.sh', language: 'shell', code: lines.join('\n') }],
    run: null,
    notes: api ? [] : ['Without `resource` the token is for no API; add `resource` and `scope` once an admin has allowed the app an API.'],
  };
}

export function m2mNodeSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const api = target(context);
  const code = [
    '// token.mjs',
    "import * as client from 'openid-client';",
    '',
    'const config = await client.discovery(',
    `  new URL(${jsString(facts.issuer)}),`,
    `  ${jsString(app.id)},`,
    `  process.env.CLIENT_SECRET ?? ${jsString(context.clientSecret!)},`,
    ...(context.insecureIssuer
      ? ['  undefined,', '  // Only because this issuer is plain http (development); never with an https issuer.', '  { execute: [client.allowInsecureRequests] },']
      : []),
    ');',
    '',
    api
      ? `const tokens = await client.clientCredentialsGrant(config, { resource: ${jsString(api.resource)}, scope: ${jsString(api.scope)} });`
      : 'const tokens = await client.clientCredentialsGrant(config);',
    "console.log(`Access token (expires in ${tokens.expires_in} s, scope: ${tokens.scope ?? 'none'}):`);",
    'console.log(tokens.access_token);',
    ...(api ? ['', '// Then call the API with it:', `// fetch(url, { headers: { authorization: \`Bearer \${tokens.access_token}\` } })`] : []),
  ];
  return {
    id: 'm2m-node',
    platform: 'Node.js',
    library: 'openid-client',
    summary: 'The same token request from Node.js. Ask again when it expires: there is no refresh token.',
    install: 'npm install openid-client',
    files: [{ name: 'token.mjs', language: 'javascript', code: code.join('\n') }],
    run: 'node token.mjs',
    notes: [],
  };
}
