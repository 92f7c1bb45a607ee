import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
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
  /** The signature counter to claim: 100 ahead of the credential's unless given (0: an authenticator that keeps none). */
  counter?: number;
}) {
  const counter = options.counter ?? credential.signCount + 100;
  const authenticatorData = Buffer.concat([
    createHash('sha256').update(options.rpId).digest(),
    Buffer.from([0x05]), // user present, user verified
    Buffer.from([0, 0, 0, 0].map((_, i) => (counter >>> (8 * (3 - i))) & 0xff)),
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

/**
 * A passkey made here instead of by an authenticator: an ES256 key pair, its private key as chromium's virtual
 * authenticator reports one (for `forgeAssertion`), and its public key as COSE (RFC 9053), as Sesame stores it.
 * It lets a test answer WebAuthn ceremonies over plain HTTP.
 */
export function newPasskeyKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const coordinate = (label: number, value: string) => Buffer.concat([Buffer.from([label, 0x58, 0x20]), Buffer.from(value, 'base64url')]);
  // CBOR map {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
  const cose = Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01]), coordinate(0x21, jwk.x!), coordinate(0x22, jwk.y!)]);
  const credentialId = randomBytes(16);
  return {
    credential: { credentialId: credentialId.toString('base64'), privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), signCount: 0 },
    id: credentialId.toString('base64url'),
    publicKey: cose.toString('base64url'),
  };
}
