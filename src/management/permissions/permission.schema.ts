import { z } from 'zod';
import { maxBrandingUrlLength, type Branding } from '../../apps/branding.service.ts';
import { userDataScopes } from '../../permissions/permission.repository.ts';
import { allowlistFields, alwaysAllowedScopes, type Permissions } from '../../permissions/permission.service.ts';
import { brandingChangesSchema } from '../../apps/branding.service.ts';
import { idParam } from '../common.schema.ts';
import { scopeWithResourceSchema, toApiScopeWithResource } from '../resources/resource.schema.ts';

/** Management API shapes of an app's permissions (its allowlist) and a third-party app's consent-screen branding. */

export const allowedResourceScopeSchema = scopeWithResourceSchema.meta({ id: 'AllowedResourceScope' });

export const permissionsSchema = z.object({
  user_scopes: z.array(z.enum(userDataScopes)).describe('User data scopes the app may request'),
  resource_scopes: z.array(allowedResourceScopeSchema).describe('API resource scopes the app may request: for a user, who gets them only through a role; or, for an m2m app, for itself'),
  always_allowed: z.array(z.string()).describe('Scopes the app may request without an entry (none for an m2m app)'),
}).meta({ id: 'ApplicationPermissions' });

export function toApiPermissions(permissions: Permissions): z.input<typeof permissionsSchema> {
  return {
    user_scopes: permissions.userScopes,
    resource_scopes: permissions.resourceScopes.map(toApiScopeWithResource),
    always_allowed: permissions.alwaysAllowed,
  };
}

export const permissionsBody = z.strictObject({
  user_scopes: allowlistFields.user_scopes.default([])
    .describe('profile, email, phone, address, roles; openid and offline_access are accepted and need no entry. None for an m2m app'),
  resource_scopes: allowlistFields.resource_scopes.default([])
    .describe('Each `{ "resource": indicator, "scope": name }` or `{ "scope_id": id }`'),
});

export const userScopePermissionParams = z.object({ id: idParam('Client ID'), scope: z.enum(userDataScopes).meta({ title: 'User data scope' }) });
export const resourceScopePermissionParams = z.object({ id: idParam('Client ID'), scopeId: idParam('Scope ID') });

const brandingField = brandingChangesSchema.shape;
const brandingUrl = (field: 'logo_url' | 'logo_dark_url' | 'terms_url' | 'privacy_url', what: string) => brandingField[field]
  .describe(`${what}: https (http only on localhost, 127.0.0.1, [::1]), no user information or fragment, at most ${maxBrandingUrlLength} characters; empty or null clears it`);

export const brandingSchema = z.object({
  display_name: z.string().nullable().describe('Shown on the consent screen instead of the name'),
  logo_url: z.string().nullable(),
  logo_dark_url: z.string().nullable(),
  terms_url: z.string().nullable(),
  privacy_url: z.string().nullable(),
}).meta({ id: 'ApplicationBranding' });

export function toApiBranding(branding: Branding): z.input<typeof brandingSchema> {
  return branding;
}

export const brandingBody = z.strictObject({
  display_name: brandingField.display_name.describe('Empty or null clears it (the name is shown)'),
  logo_url: brandingUrl('logo_url', 'Logo for the light theme'),
  logo_dark_url: brandingUrl('logo_dark_url', 'Logo for the dark theme'),
  terms_url: brandingUrl('terms_url', 'Terms of use'),
  privacy_url: brandingUrl('privacy_url', 'Privacy policy'),
});
