import { randomInt } from 'node:crypto';

/**
 * Recovery codes: ten one-time codes of ten characters from Crockford's base32 (50 bits each), shown once as
 * `xxxxx-xxxxx`. Typed back in any case, with or without the dash or spaces.
 */
export const recoveryCodeCount = 10;
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** The canonical form a code is hashed in; undefined when what was typed cannot be one. */
export function normaliseRecoveryCode(typed: unknown): string | undefined {
  if (typeof typed !== 'string' || typed.length > 64) return undefined;
  const chars = typed.toLowerCase().replace(/[\s-]/g, '').replace(/[oil]/g, (c) => (c === 'o' ? '0' : '1'));
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(chars) ? `${chars.slice(0, 5)}-${chars.slice(5)}` : undefined;
}
