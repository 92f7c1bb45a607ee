import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';
import { createWebauthnChallenges, type WebauthnChallenges } from '../passkeys/webauthn-challenge.ts';
import { createSealer, type Sealer } from '../secrets/sealed.ts';

/**
 * The keys second factors are kept under, derived from the master secret: authenticator-app secrets are sealed
 * (they must be read back to check a code), recovery codes only ever HMAC'd. A copy of the database alone yields
 * neither.
 */
export interface MfaSecrets {
  totpSealer: Sealer;
  hashRecoveryCode(code: string): string;
  /** Signs the challenges of passkey ceremonies, so that handing one out stores nothing. */
  webauthnChallenges: WebauthnChallenges;
}

export function createMfaSecrets(masterSecret: string): MfaSecrets {
  const recoveryKey = createSecretKey(Buffer.from(hkdfSync('sha256', masterSecret, 'sesame', 'sesame/recovery-codes/v1', 32)));
  return {
    totpSealer: createSealer(masterSecret, 'sesame/totp/v1'),
    hashRecoveryCode: (code) => createHmac('sha256', recoveryKey).update(code).digest('base64url'),
    webauthnChallenges: createWebauthnChallenges(masterSecret),
  };
}
