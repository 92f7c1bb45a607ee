/**
 * How strongly a person signed in, as ID tokens say it: `amr` (RFC 8176 method names) and `acr` (one of the two
 * classes below, advertised as `acr_values_supported`). An app asks for a class with `acr_values`; a session
 * below it signs in again or adds a factor (src/oidc/interaction-policy.ts), never silently passes.
 */
export const acrOneFactor = 'urn:sesame:acr:1fa';
export const acrMultiFactor = 'urn:sesame:acr:mfa';

/** Weakest first: a class satisfies every class before it. */
export const acrValues = [acrOneFactor, acrMultiFactor] as const;

/** RFC 8176: a password, a one-time code (authenticator app or recovery code), a hardware-bound key (passkey). */
export type AuthMethod = 'pwd' | 'otp' | 'hwk';

export interface Strength {
  amr: string[];
  acr: string;
}

/**
 * The strength of a sign-in that used `methods`. Two different methods are multi-factor; so is a passkey alone when
 * the authenticator verified its user (PIN or biometric): NIST SP 800-63B's multi-factor cryptographic authenticator.
 */
export function strengthOf(methods: AuthMethod[], options: { userVerifiedKey?: boolean } = {}): Strength {
  const used = [...new Set(methods)];
  const multi = used.length >= 2 || (options.userVerifiedKey === true && used.includes('hwk'));
  return { amr: multi ? [...used, 'mfa'] : used, acr: multi ? acrMultiFactor : acrOneFactor };
}

/** Whether a session at `actual` meets an app's `acr_values` (any one of them; names Sesame does not know are ignored). */
export function meetsAcrValues(actual: string | undefined, requested: string[]): boolean {
  const known = requested.map((value) => acrValues.indexOf(value as (typeof acrValues)[number])).filter((rank) => rank >= 0);
  if (known.length === 0) return true;
  const have = acrValues.indexOf(actual as (typeof acrValues)[number]);
  return known.some((rank) => have >= rank);
}

/** Whether an app's `acr_values` can be met only with a second factor. */
export function asksForMultiFactor(requested: string[]): boolean {
  return !meetsAcrValues(acrOneFactor, requested);
}
