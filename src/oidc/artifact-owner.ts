import type { AdapterPayload } from 'oidc-provider';

/** Longer values are no ids Sesame issues, and would not fit an index entry. */
const maxIdLength = 255;

export interface ArtifactOwner {
  clientId: string | null;
  accountId: string | null;
}

/**
 * The app and the user an oidc-provider artifact belongs to, as stored in the lookup columns `client_id` and
 * `account_id` (revocation and grant lookups filter on them, never on payload JSON). Grants, tokens and codes
 * carry `clientId` and `accountId`, a Session `accountId`, ClientCredentials `clientId`; an Interaction holds the
 * request's `params.client_id` (a known client by then) and the signed-in `session.accountId`.
 */
export function artifactOwner(model: string, payload: AdapterPayload): ArtifactOwner {
  if (model === 'Interaction') {
    const params = payload.params as Record<string, unknown> | undefined;
    const session = payload.session as Record<string, unknown> | undefined;
    return { clientId: plainId(params?.client_id), accountId: plainId(session?.accountId) };
  }
  return { clientId: plainId(payload.clientId), accountId: plainId(payload.accountId) };
}

/** Only a plain, well-formed string goes into a column; anything else is no id. */
function plainId(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= maxIdLength && !value.includes('\u0000') && value.isWellFormed()
    ? value : null;
}
