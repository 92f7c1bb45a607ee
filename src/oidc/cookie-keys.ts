import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { sameText } from '../secrets/same-text.ts';

/**
 * The keys oidc-provider signs its cookies with (its `cookies.keys`, which takes a Keygrip instance), signing as
 * Keygrip does — HMAC-SHA1 of `name=value`, base64url — so cookies signed before stay valid, and the first key signs
 * while the others still verify. Keygrip imports the raw key again for every HMAC and compares by HMACing both sides
 * under a fresh random key: three HMACs, a key import and random bytes per cookie read, on every request a browser
 * makes (0.85 ms of a sign-in's main thread). Here the keys are imported once and a signature is compared in constant time.
 */
export class CookieKeys {
  readonly #keys: KeyObject[];

  constructor(secrets: readonly string[]) {
    if (!secrets.length) throw new Error('at least one cookie key is needed');
    this.#keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  }

  sign(data: string): string {
    return signature(data, this.#keys[0]!);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** Which key signed `data` as `digest` (the first of them is the one that signs now), or -1. */
  index(data: string, digest: string): number {
    const presented = String(digest);
    return this.#keys.findIndex((key) => sameText(presented, signature(data, key)));
  }
}

const signature = (data: string, key: KeyObject): string => createHmac('sha1', key).update(data).digest('base64url');
