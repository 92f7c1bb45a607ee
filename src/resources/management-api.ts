/** The built-in Management API as an API resource: what its tokens are for and what they carry. */

/** The one scope of the built-in Management API; it grants everything. */
export const managementScope = 'management';

/**
 * The claim of a person's Management API token that names its grant. The API refuses the token once the grant
 * is gone, so signing out of the console (which ends the console's grant) ends its API access at once, as
 * revoking the grant does; an m2m app's token has no grant and is unaffected.
 */
export const managementGrantClaim = 'grant_id';

export function managementApiIndicator(issuer: string): string {
  return `${issuer}/api`;
}
