import { createHash, createPrivateKey, sign } from 'node:crypto';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/**
 * Chromium's virtual authenticator (DevTools protocol, WebAuthn domain): a platform authenticator with resident
 * keys that verifies its user, answering every ceremony of `page` as a person touching it would.
 */
export async function virtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return {
    /** The credentials it holds, private keys included (what lets a test forge an assertion). */
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
  };
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');

/**
 * An assertion signed with a real credential's private key, as an authenticator would make it, but for whatever
 * origin and RP ID the test says: what a phishing site relaying a challenge would send.
 */
export function forgeAssertion(credential: { credentialId: string; privateKey: string; userHandle?: string; signCount: number }, options: {
  challenge: string;
  origin: string;
  rpId: string;
}) {
  const authenticatorData = Buffer.concat([
    createHash('sha256').update(options.rpId).digest(),
    Buffer.from([0x05]), // user present, user verified
    Buffer.from([0, 0, 0, 0].map((_, i) => ((credential.signCount + 100) >>> (8 * (3 - i))) & 0xff)),
  ]);
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: options.origin, crossOrigin: false }));
  const key = createPrivateKey({ key: Buffer.from(credential.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  // ES256 and RS256 sign a SHA-256 digest; EdDSA signs the message itself.
  const digest = key.asymmetricKeyType === 'ec' || key.asymmetricKeyType === 'rsa' ? 'sha256' : null;
  const signature = sign(digest, Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]), key);
  const id = b64url(Buffer.from(credential.credentialId, 'base64'));
  return {
    id, rawId: id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authenticatorData),
      signature: b64url(signature),
      ...(credential.userHandle ? { userHandle: b64url(Buffer.from(credential.userHandle, 'base64')) } : {}),
    },
  };
}
