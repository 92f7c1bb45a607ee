import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 as every authenticator app reads it: SHA-1, six digits, 30-second steps, a 160-bit secret
 * (RFC 4226 §4 recommends 160 bits). A code is accepted one step either side of now, for clocks that drift.
 */
const period = 30;
const digits = 6;
const algorithm = 'SHA1';
const window = 1;

export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/** The `otpauth://` URI an app scans from the QR code; the label names the account within the issuer. */
export function otpauthUri(options: { issuer: string; account: string; secret: string }): string {
  return new TOTP({
    issuer: options.issuer, label: options.account, secret: Secret.fromBase32(options.secret), algorithm, digits, period,
  }).toString();
}

/** The manual key as apps ask for it: the base32 secret in groups of four. */
export const formatManualKey = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** A code as people type it: digits only (spaces and dashes dropped); undefined when it cannot be a code. */
export function normaliseCode(typed: unknown): string | undefined {
  if (typeof typed !== 'string') return undefined;
  const code = typed.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${digits}}$`).test(code) ? code : undefined;
}

/** The time step `code` belongs to, if it is right for `secret` now (± one step). */
export function stepOfCode(secret: string, code: string, now = Date.now()): number | undefined {
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), algorithm, digits, period, timestamp: now, window });
  return delta === null ? undefined : TOTP.counter({ period, timestamp: now }) + delta;
}
