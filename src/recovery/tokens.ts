import { createHash, randomBytes, randomInt } from 'node:crypto';

/** One-time links and codes sent by email. */

/** A link's token: 256 random bits, of which only the SHA-256 is stored. */
export function newLinkToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What a token from a link looks like; anything else is answered as an invalid link without a database read. */
export function isLinkToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** A six-digit code a person types (with the link, in a verification email). */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Digits only, whatever spaces or dashes the person typed between them. */
export function normalizeCode(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 32) return undefined;
  const digits = value.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

/** Wrong codes one verification email allows before its code stops working (a new one can be sent). */
export const maxCodeAttempts = 5;
