import { z } from 'zod';
import { appTypes } from './app-types.ts';

/**
 * An application's settings, the one place they are written: named as the RFC client metadata, the Management
 * API and the `applications` table spell them (`redirect_uris`), and labelled as the console shows them
 * (`title`, which error messages name: src/validation/). The service validates with these schemas, the API
 * declares them, the CLI derives its flags from them (src/cli/app-flags.ts) and the console infers its types
 * from them. A new setting goes here, in src/db/tables.ts and in a migration.
 */

/** Each URI's own rules, its length among them, are the service's (src/apps/redirect-uri.ts): they name the URI and the rule. */
const uris = (title: string, entry: string, what: string) => z.array(z.string().meta({ title: entry })).max(100).meta({ title, description: what });

/** Every setting an app holds, with its rules. */
export const applicationFields = {
  name: z.string().trim().min(1).max(256).meta({ title: 'Application name' }),
  description: z.string().trim().max(2048).meta({ title: 'Description' }),
  type: z.enum(appTypes).meta({ title: 'Application type' }),
  third_party: z.boolean().meta({ title: 'Third-party app', description: 'Chosen at creation, never changed; m2m apps cannot be third-party' }),
  redirect_uris: uris('Redirect URIs', 'Redirect URI', 'Exact redirect URIs (RFC 8252 loopback port leniency for native apps)'),
  post_logout_redirect_uris: uris('Post sign-out redirect URIs', 'Post sign-out redirect URI', 'Where RP-initiated logout may return'),
  cors_origins: uris('CORS allowed origins', 'CORS allowed origin', 'Extra origins allowed for browser calls, besides those of the redirect URIs'),
  refresh_token_ttl_days: z.number().int().min(1).max(3650).meta({ title: 'Refresh token lifetime (days)' }),
  access_token_ttl: z.number().int().min(60).max(86_400).nullable().meta({
    title: 'Access token lifetime (seconds)',
    description: 'How long its access tokens live, and so how long Revoke access may take to stop a JWT an API checks on its own; null for the default (SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL for a third-party app, else SESAME_ACCESS_TOKEN_TTL). An API resource\'s shorter lifetime wins',
  }),
  consent_durations: z.boolean().nullable().meta({
    title: 'Let people choose how long consent lasts',
    description: 'A third-party app\'s consent screen offers for this time only, for 30 days, or until I revoke (the default choice); null to follow SESAME_CONSENT_DURATIONS',
  }),
  rotate_refresh_token: z.boolean().meta({ title: 'Rotate refresh tokens', description: 'Public clients always rotate, whatever this says' }),
  management_access: z.boolean().meta({
    title: 'Management API access',
    description: 'May obtain Management API tokens: an m2m app for itself, an interactive app for signed-in admins',
  }),
  backchannel_logout_uri: z.string().max(2048).nullable().meta({
    title: 'Back-channel logout URI',
    description: 'OpenID Connect Back-Channel Logout 1.0: where Sesame posts a logout token when a session the app is part of ends; https (http only on loopback hosts); empty or null for none',
  }),
  backchannel_logout_session_required: z.boolean().meta({
    title: 'Send the session ID (sid)',
    description: 'Logout tokens and ID tokens carry the session id `sid`, so the app can end just that session',
  }),
  dpop_bound_access_tokens: z.boolean().meta({
    title: 'Require DPoP',
    description: 'RFC 9449 §5.2: every token request must carry a DPoP proof, so each access token (and a public client\'s refresh token) is bound to the app\'s key',
  }),
  default_resource: z.string().max(2048).nullable().meta({
    title: 'Default API resource',
    description: 'The API resource (its indicator) tokens are for when a request names no `resource` (RFC 8707), as some AI agents send none; it must be one the app may use; empty or null for the global default',
  }),
  device_flow: z.boolean().meta({
    title: 'Device flow',
    description: 'May sign people in with the device authorization grant (RFC 8628): a CLI or TV shows a code the person enters at /oidc/device. Native and traditional web apps only',
  }),
  verified_domain: z.string().trim().toLowerCase().max(253)
    .regex(/^$|^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]([a-z0-9-]*[a-z0-9])?$/, 'must be a domain name like example.com (no scheme, path or port)')
    .nullable().meta({
      title: 'Verified domain',
      description: 'A domain you checked belongs to this third-party app\'s publisher, like example.com: the consent screen shows a Verified badge when the app sends people there (or names itself by a metadata document there); empty or null for none',
    }),
};

/** A client secret's name: where it is used, like "Production server". */
export const secretName = z.string().trim().min(1).max(128).meta({ title: 'Secret name' });

/** Settings chosen at creation that never change: an update may only repeat them. */
export const fixedApplicationFields = ['type', 'third_party'] as const;

/** A new app: the settings a creator chooses; the others start at the table's defaults. */
export const newApplicationSchema = z.strictObject({
  name: applicationFields.name,
  description: applicationFields.description.optional(),
  type: applicationFields.type,
  third_party: applicationFields.third_party.default(false),
  redirect_uris: applicationFields.redirect_uris.default([]),
  post_logout_redirect_uris: applicationFields.post_logout_redirect_uris.default([]),
  cors_origins: applicationFields.cors_origins.default([]),
  management_access: applicationFields.management_access.default(false),
  access_token_ttl: applicationFields.access_token_ttl.optional(),
  consent_durations: applicationFields.consent_durations.optional(),
  backchannel_logout_uri: applicationFields.backchannel_logout_uri.optional(),
  backchannel_logout_session_required: applicationFields.backchannel_logout_session_required.default(false),
  dpop_bound_access_tokens: applicationFields.dpop_bound_access_tokens.default(false),
  default_resource: applicationFields.default_resource.optional(),
  device_flow: applicationFields.device_flow.default(false),
  verified_domain: applicationFields.verified_domain.optional(),
});
export type NewApplicationInput = z.input<typeof newApplicationSchema>;

/** Changes to an app: only the settings given change, lists replace the old ones. */
export const applicationChangesSchema = z.strictObject({
  ...applicationFields,
  description: applicationFields.description.nullable(),
}).partial();
export type ApplicationChanges = z.input<typeof applicationChangesSchema>;
