import type { GuideSample } from '../guide.schema.ts';
import { postLogoutRedirect, webRedirect, type GuideContext } from '../context.ts';
import { jsString } from '../literals.ts';

/** A single-page app with oidc-client-ts, as the two files of a Vite project. */
export function spaOidcClientTsSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = new URL(webRedirect(app).uri);
  const logout = postLogoutRedirect(app);
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8" />',
    '    <title>Sign in with Sesame</title>',
    '  </head>',
    '  <body>',
    '    <button id="sign-in" hidden>Sign in</button>',
    '    <button id="sign-out" hidden>Sign out</button>',
    '    <pre id="user"></pre>',
    '    <script type="module" src="/main.js"></script>',
    '  </body>',
    '</html>',
  ];
  const js = [
    '// main.js',
    "import { UserManager } from 'oidc-client-ts';",
    '',
    'const userManager = new UserManager({',
    `  authority: ${jsString(facts.issuer)},`,
    `  client_id: ${jsString(app.id)},`,
    `  redirect_uri: ${jsString(redirect.href)},`,
    ...(logout ? [`  post_logout_redirect_uri: ${jsString(logout)},`] : []),
    `  scope: ${jsString(context.signInScope)},`,
    '  // The authorization code flow with PKCE (S256) is what oidc-client-ts does by default.',
    '});',
    '',
    "let message = '';",
    `if (location.pathname === ${jsString(redirect.pathname)} && location.search) {`,
    '  // Back from Sesame: exchange the code (or read the error), then leave the callback URL.',
    '  try {',
    '    await userManager.signinRedirectCallback();',
    '  } catch (error) {',
    '    message = `Sign-in failed: ${error.message}`;',
    '  }',
    "  history.replaceState(null, '', '/');",
    '}',
    '',
    'const user = await userManager.getUser();',
    "document.querySelector('#user').textContent = user ? JSON.stringify(user.profile, null, 2) : message;",
    "document.querySelector('#sign-in').hidden = !!user;",
    "document.querySelector('#sign-out').hidden = !user;",
    "document.querySelector('#sign-in').addEventListener('click', () => userManager.signinRedirect());",
    "document.querySelector('#sign-out').addEventListener('click', () => userManager.signoutRedirect());",
  ];
  return {
    id: 'spa-oidc-client-ts',
    platform: 'Browser',
    library: 'oidc-client-ts',
    summary: 'A Vite app whose button signs in through Sesame with PKCE; back at the redirect URI it shows the user\'s claims. Call APIs with `user.access_token`.',
    install: 'npm create vite@latest my-app -- --template vanilla && cd my-app && npm install oidc-client-ts',
    files: [
      { name: 'index.html', language: 'html', code: html.join('\n') },
      { name: 'main.js', language: 'javascript', code: js.join('\n') },
    ],
    run: redirect.protocol === 'http:'
      ? `npx vite --host ${redirect.hostname.replace(/^\[|\]$/g, '')} --port ${redirect.port || 80} --strictPort`
      : 'npx vite build',
    notes: [
      `Serve the app at ${redirect.origin}: the redirect URI\'s origin is also the one Sesame lets call its endpoints from the browser (CORS).`,
      'Wherever the app is served, every path must answer with `index.html` (the SPA fallback Vite\'s own server has), so that the redirect URI loads the app.',
      'oidc-client-ts keeps the user in sessionStorage by default; pass `userStore` to keep it elsewhere.',
    ],
  };
}
