import type { Db } from '../db/database.ts';
import { recordFactorChange, type FactorChange } from './factor-changes.ts';
import type { MfaSecrets } from './mfa-secrets.ts';
import { formatManualKey, newTotpSecret, otpauthUri, stepOfCode } from './totp.ts';
import { acceptTotpStep, deleteTotpFactor, findTotpFactor, savePendingTotp } from './totp.repository.ts';

export interface MfaDeps {
  db: Db;
  secrets: MfaSecrets;
}

/** Who changes a factor and from where, as the audit trail keeps it. */
export type FactorActor = Pick<FactorChange, 'by' | 'origin' | 'clientId'>;

export interface TotpEnrolment {
  /** What the app scans. */
  qrCodeDataUrl: string;
  /** What a person types instead, in groups of four. */
  manualKey: string;
  uri: string;
}

/**
 * Starts adding an authenticator app: a new secret, kept sealed and unconfirmed until the person types a code it
 * shows (`confirmTotp`). Undefined when the user already has one (it is removed first, on purpose).
 */
export async function startTotpEnrolment({ db, secrets }: MfaDeps, user: { id: string; username: string }, issuerName: string): Promise<TotpEnrolment | undefined> {
  const secret = newTotpSecret();
  if (!await savePendingTotp(db, user.id, await secrets.totpSealer.seal(secret))) return undefined;
  const uri = otpauthUri({ issuer: issuerName, account: user.username, secret });
  return { uri, manualKey: formatManualKey(secret), qrCodeDataUrl: await qrCodeDataUrl(uri) };
}

/** The enrolment started last, shown again (after a wrong code) without a new secret. */
export async function pendingTotpEnrolment({ db, secrets }: MfaDeps, user: { id: string; username: string }, issuerName: string): Promise<TotpEnrolment | undefined> {
  const factor = await findTotpFactor(db, user.id);
  if (!factor || factor.confirmed) return undefined;
  const secret = await secrets.totpSealer.open(factor.secret_sealed);
  const uri = otpauthUri({ issuer: issuerName, account: user.username, secret });
  return { uri, manualKey: formatManualKey(secret), qrCodeDataUrl: await qrCodeDataUrl(uri) };
}

/** The QR code of `uri` as an SVG data URL; qrcode is loaded when a first person adds an authenticator app. */
async function qrCodeDataUrl(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export type CodeCheck = 'accepted' | 'wrong' | 'replayed';

/** Checks `code` against the user's confirmed (or, with `confirm`, pending) secret; each code is accepted once. */
async function checkCode({ db, secrets }: MfaDeps, userId: string, code: string, confirm: boolean): Promise<CodeCheck> {
  const factor = await findTotpFactor(db, userId);
  if (!factor || factor.confirmed === confirm) return 'wrong';
  const step = stepOfCode(await secrets.totpSealer.open(factor.secret_sealed), code);
  if (step === undefined) return 'wrong';
  return await acceptTotpStep(db, userId, step, { confirm }) ? 'accepted' : 'replayed';
}

/** Ends an enrolment with the first code the app shows. */
export async function confirmTotpEnrolment(deps: MfaDeps, userId: string, code: string, actor: FactorActor): Promise<CodeCheck> {
  const result = await checkCode(deps, userId, code, true);
  if (result === 'accepted') await recordFactorChange(deps.db, { type: 'mfa.totp_added', userId, ...actor });
  return result;
}

/** A code typed at sign-in: right, wrong, or right but already used (a replay). */
export const verifyTotp = (deps: MfaDeps, userId: string, code: string): Promise<CodeCheck> => checkCode(deps, userId, code, false);

export async function removeTotp(db: Db, userId: string, actor: FactorActor): Promise<boolean> {
  const removed = await deleteTotpFactor(db, userId);
  if (removed) await recordFactorChange(db, { type: 'mfa.totp_removed', userId, ...actor });
  return removed;
}
