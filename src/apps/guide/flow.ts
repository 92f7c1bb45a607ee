import type { Guide } from './guide.schema.ts';
import type { GuideContext } from './context.ts';
import { deviceCodeGrantType } from '../client-metadata.ts';

/** Which OAuth flow an app's type uses, and what that asks of its code (DESIGN.md §3), with the device flow when the admin allowed it. */
export function flowOf(context: GuideContext): Guide['flow'] {
  const flow = codeFlowOf(context);
  if (!context.app.device_flow) return flow;
  return {
    ...flow,
    grant_types: [...flow.grant_types, deviceCodeGrantType],
    points: [...flow.points, deviceFlowPoint(context)],
  };
}

/** RFC 8628 in one paragraph, with this Sesame's URLs. */
function deviceFlowPoint({ app, facts }: GuideContext): string {
  const auth = app.type === 'traditional' ? ' with its client secret' : ' with its `client_id`';
  return `Device flow (RFC 8628), for a CLI or TV: the app posts to \`${facts.endpoints.deviceAuthorization}\`${auth} and \`scope\`, shows the person the \`user_code\` and \`verification_uri\` (\`${facts.endpoints.deviceVerification}\`, or \`verification_uri_complete\` as a link or QR code), then polls the token endpoint with \`grant_type=${deviceCodeGrantType}\` every \`interval\` seconds until it gets tokens; \`authorization_pending\` means wait, \`slow_down\` means wait 5 seconds longer from then on, \`access_denied\` and \`expired_token\` end it. openid-client does all of this with \`initiateDeviceAuthorization\` and \`pollDeviceAuthorizationGrant\`. The person confirms the device, signs in${app.third_party ? ' and consents' : ''} in their own browser.`;
}

function codeFlowOf({ app }: GuideContext): Guide['flow'] {
  const consent = app.third_party
    ? ['Users see a consent screen with the app\'s branding and decide what it gets; their decision is remembered per user and app until revoked, so they are asked again only for something new (or with `prompt=consent`).']
    : [];
  const refresh = app.rotate_refresh_token || app.type !== 'traditional'
    ? 'Ask for `offline_access` to get a refresh token; each use returns a new one (rotation) and retires the old.'
    : 'Ask for `offline_access` to get a refresh token; this app keeps the same one on each use (rotation is off in Settings).';
  const exact = 'Redirect URIs are compared exactly: scheme, host, port, path and query.';
  switch (app.type) {
    case 'traditional':
      return {
        title: 'Authorization code flow, confidential client',
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        pkce: 'optional',
        points: [
          'The app\'s server sends the user to the authorization endpoint with `response_type=code`, then exchanges the code at the token endpoint, authenticating with its client secret: HTTP Basic (`client_secret_basic`) or in the form body (`client_secret_post`).',
          'PKCE with `code_challenge_method=S256` is optional for this app and recommended: Sesame checks it whenever the request carries a `code_challenge`.',
          exact,
          refresh,
          ...consent,
        ],
      };
    case 'spa':
      return {
        title: 'Authorization code flow with PKCE, public client',
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        pkce: 'required',
        points: [
          'The app runs in the browser and holds no secret: it proves itself with PKCE, `code_challenge_method=S256`, and Sesame refuses an authorization request without it.',
          'At the token endpoint it sends its `client_id` and no secret (`token_endpoint_auth_method=none`).',
          `Browsers may call the token, userinfo and revocation endpoints from the origins of the redirect URIs${app.cors_origins.length ? ' and the extra CORS origins in Settings' : ''}.`,
          exact,
          'Ask for `offline_access` to get a refresh token; each use returns a new one, and none outlives the first one\'s lifetime.',
          ...consent,
        ],
      };
    case 'native':
      return {
        title: 'Authorization code flow with PKCE, public native client',
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        pkce: 'required',
        points: [
          'The app holds no secret: it proves itself with PKCE, `code_challenge_method=S256`, and sends only its `client_id` to the token endpoint.',
          'Open the authorization URL in the system browser (or `ASWebAuthenticationSession` on iOS, Custom Tabs on Android), never in an embedded web view (RFC 8252 §8.12).',
          'Mobile apps: a custom-scheme redirect in reverse-domain form, like `com.example.app:/oauth2redirect` (RFC 8252 §7.1), or a claimed https link.',
          'Desktop and command-line apps: a loopback redirect such as `http://127.0.0.1/callback`. Sesame accepts it on any port (RFC 8252 §7.3), so register it without one and listen on any free port when the app runs; scheme, host, path and query must still match.',
          refresh,
          ...(app.third_party ? ['Users see a consent screen with the app\'s branding on every sign-in: a native app cannot prove who it is, so Sesame asks each time (RFC 8252 §8.6).'] : []),
        ],
      };
    case 'm2m':
      return {
        title: 'Client credentials grant',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        pkce: 'none',
        points: [
          'No user and no browser: the app authenticates at the token endpoint with its client secret (HTTP Basic, or `client_secret_post` in the form body) and gets an access token for itself.',
          'Name the API with `resource` (RFC 8707) and its scopes with `scope`; the access token is a JWT (RFC 9068) for that API.',
          'There is no refresh token: ask for a new access token when the old one expires.',
        ],
      };
  }
}
