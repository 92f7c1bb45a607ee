import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

/** Seals small values (private keys, cookie secrets) under a key derived from the master secret. */
export interface Sealer {
  seal(plaintext: string): Promise<string>;
  open(jwe: string): Promise<string>;
}

export class WrongSecretError extends Error {
  constructor() {
    super('SESAME_SECRET does not match the secret the stored keys were encrypted with; start Sesame with the original SESAME_SECRET');
    this.name = 'WrongSecretError';
  }
}

export function createSealer(masterSecret: string, purpose = 'sesame/keys/v1'): Sealer {
  const key = new Uint8Array(hkdfSync('sha256', masterSecret, 'sesame', purpose, 32));
  return {
    async seal(plaintext) {
      return new CompactEncrypt(new TextEncoder().encode(plaintext))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(key);
    },
    async open(jwe) {
      try {
        const { plaintext } = await compactDecrypt(jwe, key);
        return new TextDecoder().decode(plaintext);
      } catch {
        throw new WrongSecretError();
      }
    },
  };
}
