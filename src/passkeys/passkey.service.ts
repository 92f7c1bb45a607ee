import type {
  AuthenticationResponseJSON, AuthenticatorTransport, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Db } from '../db/database.ts';
import { recordFactorChange } from '../mfa/factor-changes.ts';
import type { MfaSecrets } from '../mfa/mfa-secrets.ts';
import type { FactorActor } from '../mfa/totp.service.ts';
import { deletePasskey, findPasskey, insertPasskey, listPasskeys, recordPasskeyUse, type Passkey } from './passkey.repository.ts';
import type { RelyingParty } from './relying-party.ts';
import type { ChallengePurpose } from './webauthn-challenge.ts';
import { recordAnsweredChallenge } from './webauthn-challenge.repository.ts';

/**
 * Passkeys (WebAuthn) through @simplewebauthn/server. A page gets options with a fresh challenge signed for the
 * interaction or account session that asked (`subject`) and the ceremony (src/passkeys/webauthn-challenge.ts), and
 * the one response that answers it records it, so a response cannot be replayed, nor answered for another session
 * or ceremony. Showing a page writes nothing: the sign-in page offers passkeys to every visitor.
 */
export interface PasskeyDeps {
  db: Db;
  relyingParty: RelyingParty;
  mfaSecrets: Pick<MfaSecrets, 'webauthnChallenges'>;
}

const challengeTtl = 300;

/**
 * @simplewebauthn/server (5 MB of heap, 26 MB of memory with its code) is loaded by the first request that adds a
 * passkey or checks one. Offering one to sign in does not need it: every sign-in page does that.
 */
const webauthn = () => import('@simplewebauthn/server');

/** COSE algorithms Sesame accepts: EdDSA, ES256 and RS256, what authenticators make (no experimental ones). */
const supportedAlgorithmIDs = [-8, -7, -257];

/** What a browser posts back: the JSON of the credential, parsed, or undefined for anything else. */
export function parseCredentialJson<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(posted: unknown): T | undefined {
  if (typeof posted !== 'string' || posted.length > 12_000) return undefined;
  try {
    const value = JSON.parse(posted) as T;
    return value && typeof value === 'object' && typeof value.id === 'string' && typeof value.response === 'object' && value.response !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

const userHandle = (userId: string) => new TextEncoder().encode(userId);

export async function registrationOptions(
  { db, relyingParty, mfaSecrets }: PasskeyDeps,
  user: { id: string; username: string; name: string | null },
  subject: string,
  /** The name the authenticator shows (the sign-in experience's product name). */
  rpName = relyingParty.name,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await listPasskeys(db, user.id);
  const { generateRegistrationOptions } = await webauthn();
  return generateRegistrationOptions({
    rpName,
    rpID: relyingParty.id,
    userName: user.username,
    userDisplayName: user.name ?? user.username,
    userID: userHandle(user.id),
    attestationType: 'none',
    // Discoverable, so the same passkey signs in without a username or password.
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    supportedAlgorithmIDs,
    challenge: mfaSecrets.webauthnChallenges.issue('register', subject, challengeTtl),
    timeout: challengeTtl * 1000,
  });
}

/** Verifies a new credential and keeps it; undefined when it is refused (wrong origin, RP ID, challenge…). */
export async function registerPasskey(
  deps: PasskeyDeps,
  user: { id: string },
  posted: unknown,
  subject: string,
  options: { name: string; actor: FactorActor },
): Promise<Passkey | undefined> {
  const { db, relyingParty } = deps;
  const response = parseCredentialJson<RegistrationResponseJSON>(posted);
  if (!response) return undefined;
  const challenge = challengeCheck(deps, 'register', subject);
  const { verifyRegistrationResponse } = await webauthn();
  const verified = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge.matches,
    expectedOrigin: relyingParty.origin,
    expectedRPID: relyingParty.id,
    requireUserVerification: false,
    supportedAlgorithmIDs,
  }).catch(() => undefined);
  if (!verified?.verified || !await challenge.answer()) return undefined;
  const { credential, credentialDeviceType, credentialBackedUp, aaguid } = verified.registrationInfo;
  if (await findPasskey(db, credential.id)) return undefined;
  await insertPasskey(db, {
    id: credential.id,
    user_id: user.id,
    public_key: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? response.response.transports ?? [],
    device_type: credentialDeviceType,
    backed_up: credentialBackedUp,
    aaguid,
    name: options.name,
  });
  await recordFactorChange(db, { type: 'mfa.passkey_added', userId: user.id, ...options.actor, details: { passkey: credential.id, name: options.name } });
  return findPasskey(db, credential.id);
}

/**
 * Options to sign in with a passkey: any of the user's (a second factor), or whichever the authenticator holds for
 * Sesame (signing in without a password, `userId` absent), which must then verify its user. Written out here, as the
 * WebAuthn JSON they are (what simplewebauthn's generateAuthenticationOptions returns for the same input), so that
 * showing the sign-in page does not load the library (`webauthn` above).
 */
export async function authenticationOptions({ db, relyingParty, mfaSecrets }: PasskeyDeps, subject: string, userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = userId ? await listPasskeys(db, userId) : [];
  return {
    rpId: relyingParty.id,
    challenge: Buffer.from(mfaSecrets.webauthnChallenges.issue(purposeOf(userId), subject, challengeTtl)).toString('base64url'),
    // Ids are stored as simplewebauthn verified them: base64url, unpadded.
    allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[], type: 'public-key' })),
    timeout: challengeTtl * 1000,
    userVerification: userId ? 'preferred' : 'required',
  };
}

const purposeOf = (userId: string | undefined): ChallengePurpose => (userId ? 'second_factor' : 'sign_in');

/**
 * The challenge of one response: `matches` is simplewebauthn's check that it is one of ours, for this purpose and
 * subject; `answer`, once the whole response verified, records it, false when it expired or was answered before.
 */
function challengeCheck({ db, mfaSecrets }: PasskeyDeps, purpose: ChallengePurpose, subject: string) {
  let seen: { value: string; expiresAt: Date } | undefined;
  return {
    matches(value: string): boolean {
      const expiresAt = mfaSecrets.webauthnChallenges.expiryOf(value, purpose, subject);
      seen = expiresAt && { value, expiresAt };
      return seen !== undefined;
    },
    answer: async (): Promise<boolean> => seen !== undefined && recordAnsweredChallenge(db, { ...seen, purpose, subject }),
  };
}

export interface PasskeyProof {
  userId: string;
  passkeyId: string;
  userVerified: boolean;
}

/** Checks an assertion: of the user's passkeys when `userId` is given, else of whoever's passkey it is. */
export async function verifyPasskey(deps: PasskeyDeps, posted: unknown, subject: string, userId?: string): Promise<PasskeyProof | undefined> {
  const { db, relyingParty } = deps;
  const response = parseCredentialJson<AuthenticationResponseJSON>(posted);
  if (!response) return undefined;
  const passkey = await findPasskey(db, response.id);
  if (!passkey || (userId && passkey.user_id !== userId)) return undefined;
  const challenge = challengeCheck(deps, purposeOf(userId), subject);
  const { verifyAuthenticationResponse } = await webauthn();
  const verified = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge.matches,
    expectedOrigin: relyingParty.origin,
    expectedRPID: relyingParty.id,
    credential: { id: passkey.id, publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')), counter: Number(passkey.counter), transports: passkey.transports as never },
    requireUserVerification: !userId,
  }).catch(() => undefined);
  if (!verified?.verified || !await challenge.answer()) return undefined;
  await recordPasskeyUse(db, passkey.id, verified.authenticationInfo.newCounter);
  return { userId: passkey.user_id, passkeyId: passkey.id, userVerified: verified.authenticationInfo.userVerified };
}

export async function removePasskey(db: Db, userId: string, passkeyId: string, actor: FactorActor): Promise<boolean> {
  const removed = await deletePasskey(db, userId, passkeyId);
  if (removed) await recordFactorChange(db, { type: 'mfa.passkey_removed', userId, ...actor, details: { passkey: removed.id, name: removed.name } });
  return removed !== undefined;
}
