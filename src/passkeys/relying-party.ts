/**
 * Sesame as a WebAuthn relying party: its ID is the issuer's host name and the only origin it accepts is the
 * issuer's, so a passkey made for Sesame works nowhere else and an assertion made on another site is refused.
 */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export function relyingPartyOf(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name };
}
