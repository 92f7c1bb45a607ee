import type { GuideSample } from '../guide.schema.ts';
import { listenPort, postLogoutRedirect, webRedirect, type GuideContext } from '../context.ts';
import { jsString } from '../literals.ts';

/** A traditional web app in Node.js with express-openid-connect (v3, built on openid-client v6). */
export function nodeExpressSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = new URL(webRedirect(app).uri);
  const port = listenPort(redirect.href);
  const logout = postLogoutRedirect(app);
  const lines = [
    '// app.mjs',
    "import { randomBytes } from 'node:crypto';",
    "import express from 'express';",
    "import openid from 'express-openid-connect'; // a CommonJS package: its exports come as one object",
    '',
    'const { auth, requiresAuth } = openid;',
    'const app = express();',
    'app.use(auth({',
    `  issuerBaseURL: ${jsString(facts.issuer)},`,
    `  baseURL: ${jsString(redirect.origin)},`,
    `  clientID: ${jsString(app.id)},`,
    `  clientSecret: process.env.CLIENT_SECRET ?? ${jsString(context.clientSecret!)},`,
    '  // Encrypts the session cookie. Set SESSION_SECRET so that sessions survive a restart.',
    "  secret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),",
    `  idTokenSigningAlg: ${jsString(facts.idTokenSigningAlg)},`,
    '  authRequired: false,',
    `  authorizationParams: { response_type: 'code', scope: ${jsString(context.signInScope)} },`,
    `  routes: { callback: ${jsString(redirect.pathname)}${logout ? `, postLogoutRedirect: ${jsString(logout)}` : ''} },`,
    ...(logout ? ['  // Sign out of Sesame too, then come back to the post-logout redirect URI.', '  idpLogout: true,'] : []),
    '}));',
    '',
    "app.get('/', (req, res) => {",
    '  res.send(req.oidc.isAuthenticated()',
    "    ? '<p>Signed in. <a href=\"/profile\">Profile</a> · <a href=\"/logout\">Sign out</a></p>'",
    "    : '<p><a href=\"/login\">Sign in</a></p>');",
    '});',
    '',
    "app.get('/profile', requiresAuth(), async (req, res) => {",
    '  res.json({ idToken: req.oidc.idTokenClaims, userinfo: await req.oidc.fetchUserInfo() });',
    '});',
    '',
    port
      ? `app.listen(${port}, () => console.log(${jsString(`Open ${redirect.origin}/login to sign in`)}));`
      : `// Behind your HTTPS reverse proxy for ${redirect.origin}:\napp.listen(process.env.PORT ?? 3000, () => console.log(${jsString(`Open ${redirect.origin}/login to sign in`)}));`,
  ];
  return {
    id: 'node-express',
    platform: 'Node.js',
    library: 'express-openid-connect',
    summary: 'A complete Express app: `/login` signs in through Sesame, the callback finishes it, `/profile` shows the ID token\'s claims and the userinfo, `/logout` signs out.',
    install: 'npm install express express-openid-connect',
    files: [{ name: 'app.mjs', language: 'javascript', code: lines.join('\n') }],
    run: 'node app.mjs',
    notes: [
      'express-openid-connect uses PKCE (S256) and checks `state`, `nonce` and the ID token for you.',
      'It mounts its callback at the path of the redirect URI; `baseURL` must be the origin the browser uses.',
    ],
  };
}
