import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';
import { sameText } from './same-text.ts';

/**
 * Small signed values for Sesame's own cookies (the account page's session and its sign-in state):
 * base64url JSON with an HMAC under a key derived from the master secret, so any node can read them.
 */
export interface SignedValues {
  sign(value: object, ttlSeconds: number): string;
  verify<T extends object>(token: string | undefined): T | undefined;
}

export function createSignedValues(masterSecret: string, purpose: string): SignedValues {
  // A KeyObject, made once: createHmac with raw key bytes imports them again on every call.
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'sesame', purpose, 32)));
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    sign(value, ttlSeconds) {
      const body = Buffer.from(JSON.stringify({ ...value, exp: Math.floor(Date.now() / 1000) + ttlSeconds })).toString('base64url');
      return `${body}.${mac(body)}`;
    },
    verify<T extends object>(token: string | undefined) {
      if (!token) return undefined;
      const [body, signature] = token.split('.');
      if (!body || !signature) return undefined;
      if (!sameText(signature, mac(body))) return undefined;
      try {
        const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { exp: number };
        return value.exp > Date.now() / 1000 ? value : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
