import type { GuideSample } from '../guide.schema.ts';
import { loopbackRedirect, type GuideContext } from '../context.ts';
import { jsString } from '../literals.ts';

/** A desktop or command-line app in Node.js: PKCE and a loopback redirect on any free port (RFC 8252 §7.3). */
export function cliLoopbackSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const registered = new URL(loopbackRedirect(app).uri);
  const host = registered.hostname.replace(/^\[|\]$/g, '');
  const code = [
    '// sign-in.mjs',
    "import { createServer } from 'node:http';",
    "import * as client from 'openid-client';",
    '',
    'const config = await client.discovery(',
    `  new URL(${jsString(facts.issuer)}),`,
    `  ${jsString(app.id)},`,
    '  undefined,',
    '  client.None(), // a public client: PKCE instead of a secret',
    ...(context.insecureIssuer
      ? ['  // Only because this issuer is plain http (development); never with an https issuer.', '  { execute: [client.allowInsecureRequests] },']
      : []),
    ');',
    '',
    '// Listen on any free port: Sesame accepts any port on a loopback redirect URI (RFC 8252 §7.3).',
    'const server = createServer();',
    `await new Promise((resolve) => server.listen(0, ${jsString(host)}, resolve));`,
    `const redirectUri = new URL(${jsString(withoutPort(registered))});`,
    'redirectUri.port = String(server.address().port);',
    '',
    'const codeVerifier = client.randomPKCECodeVerifier();',
    'const state = client.randomState();',
    'const authorizationUrl = client.buildAuthorizationUrl(config, {',
    '  redirect_uri: redirectUri.href,',
    `  scope: ${jsString(context.signInScope)},`,
    '  state,',
    '  code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),',
    "  code_challenge_method: 'S256',",
    '});',
    "console.log(`Open this page in your browser to sign in:\\n${authorizationUrl.href}`);",
    '',
    'const callbackUrl = await new Promise((resolve) => {',
    "  server.on('request', (req, res) => {",
    '    const url = new URL(req.url, redirectUri);',
    `    if (url.pathname !== ${jsString(registered.pathname)}) return res.writeHead(404).end();`,
    "    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('You can close this window and go back to the app.');",
    '    resolve(url);',
    '  });',
    '});',
    'server.close();',
    '',
    'const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });',
    'const claims = tokens.claims();',
    "console.log('Signed in as', claims.sub);",
    "console.log('Userinfo:', await client.fetchUserInfo(config, tokens.access_token, claims.sub));",
    "if (tokens.refresh_token) console.log('Got a refresh token: keep it in the system keychain, never in a plain file.');",
  ];
  return {
    id: 'cli-loopback',
    platform: 'Desktop / CLI',
    library: 'openid-client',
    summary: 'A command-line sign-in: it listens on a free loopback port, prints the authorization URL for the browser, and finishes the sign-in when the browser comes back.',
    install: 'npm install openid-client',
    files: [{ name: 'sign-in.mjs', language: 'javascript', code: code.join('\n') }],
    run: 'node sign-in.mjs',
    notes: [
      'A desktop app opens the URL in the user\'s default browser instead of printing it (for example with the `open` package).',
      `Register \`${withoutPort(registered)}\` once, without a port; each run may use another port.`,
    ],
  };
}

function withoutPort(url: URL): string {
  const copy = new URL(url.href);
  copy.port = '';
  return copy.href;
}
