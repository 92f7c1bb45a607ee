import { createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** The ceremony a challenge is for: adding a passkey, a passkey as second factor, signing in with one alone. */
export type ChallengePurpose = 'register' | 'second_factor' | 'sign_in';

/**
 * WebAuthn challenges that need no row until they are answered: 16 random bytes, the second they expire at, and an
 * HMAC of both with the purpose and subject (interaction or account session) they were handed out for, under a key
 * derived from the master secret. Any node checks one; nobody can make one for another purpose, subject or end. A
 * page view therefore writes nothing; the response that answers a challenge records it
 * (src/passkeys/webauthn-challenge.repository.ts), so it is answered at most once.
 */
export interface WebauthnChallenges {
  /** A new challenge, as the bytes simplewebauthn puts in the options (base64url). */
  issue(purpose: ChallengePurpose, subject: string, ttlSeconds: number): Uint8Array<ArrayBuffer>;
  /** When a challenge (base64url, as the browser returns it) issued for this purpose and subject expires; undefined for any other. */
  expiryOf(challenge: string, purpose: ChallengePurpose, subject: string): Date | undefined;
}

const nonceBytes = 16;
const headBytes = nonceBytes + 4;
const macBytes = 32;

export function createWebauthnChallenges(masterSecret: string): WebauthnChallenges {
  // A KeyObject, made once: createHmac with raw key bytes imports them again on every call.
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'sesame', 'sesame/webauthn-challenge/v1', 32)));
  // The head is of fixed length and JSON ends where it ends: no two (head, purpose, subject) share an input.
  const mac = (head: Buffer, purpose: ChallengePurpose, subject: string) =>
    createHmac('sha256', key).update(head).update(JSON.stringify([purpose, subject])).digest();
  return {
    issue(purpose, subject, ttlSeconds) {
      const head = Buffer.alloc(headBytes);
      randomBytes(nonceBytes).copy(head);
      head.writeUInt32BE(Math.floor(Date.now() / 1000) + ttlSeconds, nonceBytes);
      const challenge = new Uint8Array(headBytes + macBytes);
      challenge.set(head);
      challenge.set(mac(head, purpose, subject), headBytes);
      return challenge;
    },
    expiryOf(challenge, purpose, subject) {
      const bytes = Buffer.from(challenge, 'base64url');
      if (bytes.length !== headBytes + macBytes || bytes.toString('base64url') !== challenge) return undefined;
      const head = bytes.subarray(0, headBytes);
      if (!timingSafeEqual(bytes.subarray(headBytes), mac(head, purpose, subject))) return undefined;
      return new Date(head.readUInt32BE(nonceBytes) * 1000);
    },
  };
}
