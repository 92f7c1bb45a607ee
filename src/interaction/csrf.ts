import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';
import { sameText } from '../secrets/same-text.ts';

/**
 * CSRF tokens for the interaction forms: an HMAC of the interaction's uid under a key derived from the master
 * secret. A token is bound to one interaction and needs no server-side state, so any node can check it.
 */
export interface CsrfTokens {
  issue(interactionUid: string): string;
  verify(interactionUid: string, token: unknown): boolean;
}

export function createCsrfTokens(masterSecret: string): CsrfTokens {
  // A KeyObject, made once: createHmac with raw key bytes imports them again on every call (~8x slower).
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'sesame', 'sesame/csrf/v1', 32)));
  const issue = (uid: string) => createHmac('sha256', key).update(`interaction:${uid}`).digest('base64url');
  return {
    issue,
    verify(uid, token) {
      return typeof token === 'string' && sameText(token, issue(uid));
    },
  };
}
