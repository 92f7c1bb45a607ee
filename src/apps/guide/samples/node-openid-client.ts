import type { GuideSample } from '../guide.schema.ts';
import { listenPort, webRedirect, type GuideContext } from '../context.ts';
import { jsString } from '../literals.ts';

/** A traditional web app in plain Node.js with openid-client v6: the whole flow, step by step. */
export function nodeOpenIdClientWebSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = new URL(webRedirect(app).uri);
  const port = listenPort(redirect.href);
  const code = [
    '// server.mjs',
    "import { createServer } from 'node:http';",
    "import * as client from 'openid-client';",
    '',
    `const redirectUri = ${jsString(redirect.href)};`,
    'const config = await client.discovery(',
    `  new URL(${jsString(facts.issuer)}),`,
    `  ${jsString(app.id)},`,
    `  process.env.CLIENT_SECRET ?? ${jsString(context.clientSecret!)},`,
    ...(context.insecureIssuer
      ? ['  undefined,', '  // Only because this issuer is plain http (development); never with an https issuer.', '  { execute: [client.allowInsecureRequests] },']
      : []),
    ');',
    '',
    '// Sign-ins in progress, by state. A real app keeps this in its session store.',
    'const pending = new Map();',
    '',
    'createServer(async (req, res) => {',
    '  const url = new URL(req.url, redirectUri);',
    '  try {',
    "    if (url.pathname === '/login') {",
    '      const state = client.randomState();',
    '      const codeVerifier = client.randomPKCECodeVerifier();',
    '      pending.set(state, codeVerifier);',
    '      const authorizationUrl = client.buildAuthorizationUrl(config, {',
    '        redirect_uri: redirectUri,',
    `        scope: ${jsString(context.signInScope)},`,
    '        state,',
    '        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),',
    "        code_challenge_method: 'S256',",
    '      });',
    "      res.writeHead(302, { location: authorizationUrl.href, 'set-cookie': `login_state=${state}; HttpOnly; SameSite=Lax; Path=/` }).end();",
    "    } else if (url.pathname === new URL(redirectUri).pathname) {",
    "      const state = req.headers.cookie?.match(/(?:^|;\\s*)login_state=([^;]+)/)?.[1];",
    '      const codeVerifier = pending.get(state);',
    '      pending.delete(state);',
    "      if (!codeVerifier) throw new Error('no sign-in in progress in this browser');",
    '      const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: codeVerifier, expectedState: state });',
    '      const claims = tokens.claims();',
    '      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);',
    "      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ claims, userinfo }, null, 2));",
    '    } else {',
    "      res.writeHead(200, { 'content-type': 'text/html' }).end('<a href=\"/login\">Sign in</a>');",
    '    }',
    '  } catch (error) {',
    "    res.writeHead(400, { 'content-type': 'text/plain' }).end(`Sign-in failed: ${error.message}`);",
    '  }',
    port
      ? `}).listen(${port}, () => console.log(${jsString(`Open ${redirect.origin}/login to sign in`)}));`
      : `}).listen(process.env.PORT ?? 3000); // behind your HTTPS reverse proxy for ${redirect.origin}`,
  ];
  return {
    id: 'node-openid-client',
    platform: 'Node.js',
    library: 'openid-client',
    summary: 'The same flow without a framework, each step visible: discovery, the authorization URL with PKCE and state, the code exchange (which checks the ID token and `iss`), then userinfo.',
    install: 'npm install openid-client',
    files: [{ name: 'server.mjs', language: 'javascript', code: code.join('\n') }],
    run: 'node server.mjs',
    notes: ['`authorizationCodeGrant` takes the URL the browser arrived at; it must start with the registered redirect URI exactly.'],
  };
}
