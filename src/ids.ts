import { randomBytes } from 'node:crypto';

/** A random, URL-safe identifier (128 bits) with a readable prefix. */
export function newId(prefix = ''): string {
  return `${prefix}${randomBytes(16).toString('base64url')}`;
}

/** A random client id: lowercase letters and digits, easy to copy. */
export function newClientId(): string {
  return randomBytes(12).toString('hex');
}
