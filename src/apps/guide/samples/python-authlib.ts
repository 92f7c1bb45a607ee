import type { GuideSample } from '../guide.schema.ts';
import { listenPort, webRedirect, type GuideContext } from '../context.ts';
import { pyString } from '../literals.ts';

/** A traditional web app in Python: Flask with Authlib's OpenID Connect client. */
export function pythonAuthlibSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = new URL(webRedirect(app).uri);
  const port = listenPort(redirect.href);
  const code = [
    '# app.py',
    'import os',
    'import secrets',
    '',
    'from authlib.integrations.flask_client import OAuth',
    'from flask import Flask, jsonify, redirect, session',
    '',
    'app = Flask(__name__)',
    '# Signs the session cookie. Set SECRET_KEY so that sessions survive a restart.',
    "app.secret_key = os.environ.get('SECRET_KEY') or secrets.token_hex(32)",
    '',
    'oauth = OAuth(app)',
    'oauth.register(',
    "    name='sesame',",
    `    client_id=${pyString(app.id)},`,
    `    client_secret=os.environ.get('CLIENT_SECRET', ${pyString(context.clientSecret!)}),`,
    `    server_metadata_url=${pyString(facts.discovery)},`,
    `    client_kwargs={'scope': ${pyString(context.signInScope)}, 'code_challenge_method': 'S256'},`,
    ')',
    '',
    '',
    "@app.route('/')",
    'def home():',
    "    user = session.get('user')",
    "    return jsonify(user) if user else '<a href=\"/login\">Sign in</a>'",
    '',
    '',
    "@app.route('/login')",
    'def login():',
    `    return oauth.sesame.authorize_redirect(${pyString(redirect.href)})`,
    '',
    '',
    `@app.route(${pyString(redirect.pathname)})`,
    'def callback():',
    '    token = oauth.sesame.authorize_access_token()  # checks state, PKCE and the ID token',
    "    session['user'] = oauth.sesame.userinfo(token=token)",
    "    return redirect('/')",
    '',
    '',
    "if __name__ == '__main__':",
    port
      ? `    app.run(host=${pyString(redirect.hostname.replace(/^\[|\]$/g, ''))}, port=${port})`
      : `    app.run(port=int(os.environ.get('PORT', '3000')))  # behind your HTTPS reverse proxy for ${redirect.origin}`,
  ];
  return {
    id: 'python-authlib',
    platform: 'Python',
    library: 'Authlib (Flask)',
    summary: 'A Flask app whose `/login` signs in through Sesame; the callback checks the ID token and keeps the user\'s claims from userinfo in the session.',
    install: 'pip install flask authlib requests',
    files: [{ name: 'app.py', language: 'python', code: code.join('\n') }],
    run: 'python app.py',
    notes: ['Authlib reads the endpoints from the discovery URL and authenticates with `client_secret_basic`, its default.'],
  };
}
