import type { Configuration } from 'oidc-provider';
import type { Directory } from '../cache/directory.ts';

type IntrospectionPolicy = NonNullable<NonNullable<NonNullable<Configuration['features']>['introspection']>['allowedPolicy']>;

/**
 * Who may introspect a token (RFC 7662 §4: the server decides). The app it was issued to; and, for a token of a
 * registered API resource, that API's own server, which authenticates as a machine-to-machine app the admin allowed
 * a scope of the API: that is how an API that takes opaque tokens (`access_token_format: opaque`) checks them,
 * and learns at once that *Revoke access* ended one. Any other app learns nothing (`active: false`): neither whom
 * a token belongs to nor what it grants.
 */
export function introspectionPolicy(directory: Directory): IntrospectionPolicy {
  return async (_ctx, client, token) => {
    if (token.clientId === client.clientId) return true;
    const audience = (token as { aud?: unknown }).aud;
    const indicators = [audience].flat().filter((a): a is string => typeof a === 'string');
    if (!indicators.length || (client as unknown as Record<string, unknown>)['sesame/type'] !== 'm2m') return false;
    const allowed = await directory.resourceScopes(client.clientId);
    return indicators.every((indicator) => allowed.some((s) => s.indicator === indicator));
  };
}
