import type { Db } from '../db/database.ts';
import { deletePasskeysOf, listPasskeys, type Passkey } from '../passkeys/passkey.repository.ts';
import { removePasskey } from '../passkeys/passkey.service.ts';
import { recordFactorChange } from './factor-changes.ts';
import { hasSecondFactorOf } from './factors.repository.ts';
import { newRecoveryCode, normaliseRecoveryCode, recoveryCodeCount } from './recovery-codes.ts';
import { consumeRecoveryCode, countRecoveryCodes, deleteRecoveryCodes, replaceRecoveryCodes } from './recovery-codes.repository.ts';
import { deleteTotpFactor, findTotpFactor } from './totp.repository.ts';
import { removeTotp, type FactorActor, type MfaDeps } from './totp.service.ts';

/** A person's second factors as a whole: what they have, the recovery codes that back them up, an admin's reset. */

export interface Factors {
  totp: { confirmedAt: Date } | null;
  passkeys: Passkey[];
  recoveryCodes: { total: number; unused: number };
}

export async function listFactors(db: Db, userId: string): Promise<Factors> {
  const [totp, passkeys, recoveryCodes] = await Promise.all([findTotpFactor(db, userId), listPasskeys(db, userId), countRecoveryCodes(db, userId)]);
  return { totp: totp?.confirmed ? { confirmedAt: totp.confirmed_at! } : null, passkeys, recoveryCodes };
}

/** Whether the person has a second factor to be asked for: an authenticator app or a passkey (recovery codes only back them up). */
export const hasSecondFactor = (factors: Factors): boolean => factors.totp !== null || factors.passkeys.length > 0;

/** New recovery codes, replacing any earlier ones; shown to the person once, only HMACs kept. */
export async function generateRecoveryCodes({ db, secrets }: MfaDeps, userId: string, actor: FactorActor): Promise<string[]> {
  const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
  await replaceRecoveryCodes(db, userId, codes.map(secrets.hashRecoveryCode));
  await recordFactorChange(db, { type: 'mfa.recovery_codes_generated', userId, ...actor, details: { count: codes.length } });
  return codes;
}

/** After a factor was added: the first recovery codes, when the person has none yet (else undefined). */
export async function firstRecoveryCodes(deps: MfaDeps, userId: string, actor: FactorActor): Promise<string[] | undefined> {
  const { total } = await countRecoveryCodes(deps.db, userId);
  return total === 0 ? generateRecoveryCodes(deps, userId, actor) : undefined;
}

/** Uses a recovery code at sign-in, at most once. */
export async function useRecoveryCode({ db, secrets }: MfaDeps, userId: string, typed: unknown, actor: FactorActor): Promise<boolean> {
  const code = normaliseRecoveryCode(typed);
  if (!code || !await consumeRecoveryCode(db, userId, secrets.hashRecoveryCode(code))) return false;
  const { unused } = await countRecoveryCodes(db, userId);
  await recordFactorChange(db, { type: 'mfa.recovery_code_used', userId, ...actor, details: { unused } });
  return true;
}

/** Removes one factor; with the last one gone, the recovery codes that backed them up go too. */
export async function removeSecondFactor(db: Db, userId: string, factor: { kind: 'totp' } | { kind: 'passkey'; id: string }, actor: FactorActor): Promise<boolean> {
  const removed = factor.kind === 'totp' ? await removeTotp(db, userId, actor) : await removePasskey(db, userId, factor.id, actor);
  if (removed && !await hasSecondFactorOf(db, userId)) await deleteRecoveryCodes(db, userId);
  return removed;
}

/** An admin's reset: every second factor, passkey and recovery code of the user goes; they sign in with a password again. */
export async function resetFactors(db: Db, userId: string, actor: FactorActor): Promise<{ totp: boolean; passkeys: number; recoveryCodes: number }> {
  const removed = await db.transaction().execute(async (trx) => ({
    totp: await deleteTotpFactor(trx, userId),
    passkeys: await deletePasskeysOf(trx, userId),
    recoveryCodes: await deleteRecoveryCodes(trx, userId),
  }));
  await recordFactorChange(db, { type: 'mfa.reset', userId, ...actor, details: removed });
  return removed;
}
