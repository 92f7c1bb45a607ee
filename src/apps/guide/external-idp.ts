import { isConfidential } from '../app-types.ts';
import type { GuideContext } from './context.ts';
import type { Guide } from './guide.schema.ts';

/**
 * The "add a custom OpenID Connect provider" form many services offer (wikis, chat, ticketing, CI…): which
 * of this app's values goes in which of its fields.
 */
export function externalIdpSection(context: GuideContext): Guide['external_idp'] {
  const { app, facts } = context;
  if (app.type === 'm2m') return null;
  const confidential = isConfidential(app.type);
  return {
    intro: 'Many services (wikis, chat, ticketing, CI…) let their admin add a custom OpenID Connect identity provider. Fill in the service\'s form with these values; fields the form does not have can be left out.',
    fields: [
      { label: 'Issuer URL', value: facts.issuer, note: 'Also called Issuer, Authority or Base URL. A form that takes only this finds everything else by itself.' },
      { label: 'Discovery URL', value: facts.discovery, note: 'Also called OpenID configuration URL, well-known URL or metadata URL.' },
      { label: 'Client ID', value: app.id },
      confidential
        ? { label: 'Client secret', value: context.clientSecret!, note: 'Shown once when it was created; create another under Endpoints & credentials if it is lost.' }
        : { label: 'Client secret', value: '', note: 'Leave it empty: this app is a public client and signs in with PKCE. A service that insists on a secret needs a Traditional web app.' },
      { label: 'Scopes', value: context.signInScope, note: 'Space-separated; some forms want them comma-separated.' },
      confidential
        ? { label: 'Token endpoint authentication', value: 'client_secret_basic', note: 'Also called "Basic" or "client secret (header)"; `client_secret_post` ("client secret in body") works too.' }
        : { label: 'Token endpoint authentication', value: 'none', note: 'With PKCE (S256), which Sesame requires for this app.' },
      { label: 'PKCE', value: 'S256', note: confidential ? 'Turn it on if the form offers it.' : 'Required.' },
      { label: 'ID token signing algorithm', value: facts.idTokenSigningAlg },
      { label: 'Authorization URL', value: facts.endpoints.authorization },
      { label: 'Token URL', value: facts.endpoints.token },
      { label: 'Userinfo URL', value: facts.endpoints.userinfo },
      { label: 'JWKS URL', value: facts.endpoints.jwks },
      { label: 'Logout URL', value: facts.endpoints.endSession, note: 'End session endpoint (RP-initiated logout).' },
      { label: 'User ID claim', value: 'sub', note: 'Stable and unique; usernames and emails can change.' },
      { label: 'Username claim', value: 'preferred_username' },
      { label: 'Email claim', value: 'email' },
      { label: 'Display name claim', value: 'name' },
    ],
    callback: 'The service shows its own callback URL (also called redirect URL or reply URL), such as `https://service.example.com/auth/oidc/callback`. Add it to this app\'s Redirect URIs under Settings exactly as the service shows it (scheme, host, port and path), or sign-in stops with a redirect URI error.',
  };
}
