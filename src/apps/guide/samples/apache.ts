import type { GuideSample } from '../guide.schema.ts';
import { postLogoutRedirect, webRedirect, type GuideContext } from '../context.ts';
import { apacheString } from '../literals.ts';

/** Apache httpd in front of any app, with mod_auth_openidc doing the sign-in. */
export function apacheSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = webRedirect(app).uri;
  const logout = postLogoutRedirect(app);
  const code = [
    '# In the VirtualHost that serves ' + new URL(redirect).origin,
    `OIDCProviderMetadataURL ${apacheString(facts.discovery)}`,
    `OIDCClientID ${apacheString(app.id)}`,
    `OIDCClientSecret ${apacheString(context.clientSecret!)}`,
    '# A path the module answers itself: it must not serve content, and must be inside the protected location below.',
    `OIDCRedirectURI ${apacheString(redirect)}`,
    `OIDCScope ${apacheString(context.signInScope)}`,
    'OIDCPKCEMethod S256',
    'OIDCProviderTokenEndpointAuth client_secret_basic',
    '# Encrypts the session and state cookies; a new one each start signs everyone out, so set a fixed one in production.',
    'OIDCCryptoPassphrase "exec:/bin/sh -c \\"head -c 32 /dev/urandom | base64\\""',
    ...(logout ? [`# To sign out (of Sesame too), link to ${redirect}?logout=${encodeURIComponent(logout)}`] : []),
    '',
    '<Location />',
    '    AuthType openid-connect',
    '    Require valid-user',
    '</Location>',
  ];
  return {
    id: 'apache',
    platform: 'Apache httpd',
    library: 'mod_auth_openidc',
    summary: 'Apache signs users in before it serves (or proxies to) the app, and passes the claims on as `OIDC_CLAIM_*` variables and headers.',
    install: 'apt-get install libapache2-mod-auth-openidc && a2enmod auth_openidc',
    files: [{ name: 'auth_openidc.conf', language: 'apache', code: code.join('\n') }],
    run: 'apachectl configtest && apachectl graceful',
    notes: ['`OIDCRedirectURI` is the registered redirect URI; mod_auth_openidc handles requests to it, so no page may live there.'],
  };
}
