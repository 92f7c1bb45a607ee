import { hash } from 'node:crypto';
import type pg from 'pg';
import { recordAuditEvent, type AuditEventType } from '../audit/audit.repository.ts';
import type { ThrottleSettings } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { accountKey } from './account-key.ts';
import { createCounters, type Counters } from './counters.ts';
import { blockSeconds, policiesFrom, type Policy, type PolicyName } from './policies.ts';
import { deleteBlocks, findBlockEnd, listActiveBlocks, saveBlock, type BlockRow } from './throttle.repository.ts';

/**
 * Throttling of every form and endpoint that checks a secret. A caller names the subjects an attempt counts
 * against (`signInSubjects` and friends below), asks `retryAfter` before checking the secret — a block refuses
 * the right secret too — and reports the outcome with `recordFailure` or `recordSuccess`.
 *
 * Counting is rate-limiter-flexible's (src/throttle/counters.ts). Blocks are rows of `throttle_blocks` on both
 * databases, so every node sees them and admins list and clear them wherever the counters are kept.
 */

export interface Subject {
  policy: PolicyName;
  /** What the policy counts per: an account key and IP, a device and user, an IP… */
  id: string;
}

/** Who tried, as the block record and its audit event keep it. */
export interface Attempt {
  ip: string;
  userAgent?: string;
  accountKey?: string;
  userId?: string | null;
  clientId?: string;
}

/** The audit event that says a block of this policy started. */
const startedEvent: Record<PolicyName, AuditEventType> = {
  account_ip: 'sign_in.throttled',
  account: 'account.locked',
  device: 'sign_in.throttled',
  ip: 'sign_in.throttled',
  client_ip: 'client_auth.throttled',
  setup_ip: 'setup.throttled',
  sign_up_ip: 'sign_up.throttled',
  recovery_account: 'recovery.throttled',
  recovery_ip: 'recovery.throttled',
  user_code_ip: 'user_code.throttled',
  registration_ip: 'registration.throttled',
};

const hashOf = (subject: Subject) => hash('sha256', subject.id, 'hex').slice(0, 40);
const keyOf = (subject: Subject) => `${subject.policy}:${hashOf(subject)}`;

/** Where the end of a subject's block is read: the node's cache (src/cache/directory.ts), or the database. */
export type BlockEnds = (key: string) => Promise<Date | null>;

export class Throttle {
  readonly #db: Db;
  readonly #counters: Counters;
  readonly #policies: Record<PolicyName, Policy>;
  readonly #blockEnd: BlockEnds;

  constructor(db: Db, settings: ThrottleSettings, options: { pool?: pg.Pool; blockEnds?: BlockEnds } = {}) {
    this.#db = db;
    this.#policies = policiesFrom(settings);
    this.#counters = createCounters(this.#policies, options.pool);
    this.#blockEnd = options.blockEnds ?? ((key) => findBlockEnd(db, key));
  }

  /**
   * Seconds until any of `subjects` may try again; 0 when none is blocked. Asked before every secret is checked
   * (every token request with a client secret among them), so it reads the node's cache, not the database.
   */
  async retryAfter(subjects: Subject[]): Promise<number> {
    const ends = await Promise.all(subjects.map((subject) => this.#blockEnd(keyOf(subject))));
    const latest = Math.max(0, ...ends.map((end) => end?.getTime() ?? 0));
    return latest > Date.now() ? Math.max(1, Math.ceil((latest - Date.now()) / 1000)) : 0;
  }

  /**
   * Counts a failed attempt (or, for a cap, any attempt) against each subject, and starts the blocks it earns,
   * each with one audit event. Returns how long the attempt's maker must now wait (0 if no block started).
   */
  async recordFailure(subjects: Subject[], attempt: Attempt): Promise<number> {
    let wait = 0;
    for (const subject of subjects) {
      const policy = this.#policies[subject.policy];
      const counted = await this.#counters[subject.policy].penalty(hashOf(subject), 1);
      const seconds = blockSeconds(policy, counted.consumedPoints, counted.msBeforeNext);
      if (!seconds) continue;
      const perAccount = subject.policy === 'account' || subject.policy === 'account_ip' || subject.policy === 'device' || subject.policy === 'recovery_account';
      const until = await saveBlock(this.#db, {
        key: keyOf(subject),
        policy: subject.policy,
        account_key: perAccount ? attempt.accountKey ?? null : null,
        user_id: perAccount ? attempt.userId ?? null : null,
        client_id: attempt.clientId ?? null,
        ip: subject.policy === 'account' ? null : attempt.ip,
        failures: counted.consumedPoints,
      }, seconds);
      await recordAuditEvent(this.#db, {
        type: startedEvent[subject.policy],
        userId: perAccount ? attempt.userId : undefined,
        clientId: attempt.clientId,
        ip: attempt.ip,
        userAgent: attempt.userAgent,
        details: {
          policy: subject.policy, attempts: counted.consumedPoints, seconds, until: until.toISOString(),
          ...(perAccount && attempt.accountKey !== undefined ? { login: attempt.accountKey } : {}),
        },
      });
      wait = Math.max(wait, seconds);
    }
    return wait;
  }

  /**
   * After the right secret: these subjects start again from zero. Their blocks (ended ones: one in force refused
   * the secret) are deleted only when the node knows of one, as `retryAfter` does: on every sign-in there is none,
   * and a statement for nothing would cost each sign-in a round trip.
   */
  async recordSuccess(subjects: Subject[]): Promise<void> {
    const keys = subjects.map(keyOf);
    const ends = await Promise.all(keys.map((key) => this.#blockEnd(key)));
    const blocked = keys.filter((_, i) => ends[i] !== null);
    await Promise.all([
      ...subjects.map((subject) => this.#counters[subject.policy].delete(hashOf(subject))),
      blocked.length ? deleteBlocks(this.#db, { keys: blocked }) : undefined,
    ]);
  }

  /** Blocks in force, newest end first; of one user's account keys when `userId` is given. */
  activeBlocks(filter: { userId?: string } = {}): Promise<BlockRow[]> {
    return listActiveBlocks(this.#db, filter);
  }

  /**
   * An admin lifts every block on a user's account keys (their username and email, from any IP and device) and
   * their counts start again. Returns the blocks lifted (in force or ended).
   */
  async unlockUser(user: { id: string; username: string; email: string | null }, actor: { ip?: string; userAgent?: string; by?: string } = {}): Promise<BlockRow[]> {
    const accountKeys = [user.username, user.email].filter((v): v is string => Boolean(v)).map(accountKey);
    const lifted = await deleteBlocks(this.#db, { userId: user.id, accountKeys });
    const counts = [
      ...lifted.filter((row) => row.policy !== 'ip').map((row) => ({ policy: row.policy as PolicyName, hash: row.key.slice(row.policy.length + 1) })),
      ...accountKeys.map((key) => ({ policy: 'account' as const, hash: hashOf({ policy: 'account', id: key }) })),
    ];
    await Promise.all(counts.map(({ policy, hash }) => this.#counters[policy]?.delete(hash)));
    const active = lifted.filter((row) => row.blocked_until.getTime() > Date.now());
    if (active.length) {
      await recordAuditEvent(this.#db, {
        type: 'account.unlocked', userId: user.id, ip: actor.ip, userAgent: actor.userAgent,
        details: { blocks: active.length, policies: [...new Set(active.map((row) => row.policy))], ...(actor.by ? { by: actor.by } : {}) },
      });
    }
    return active;
  }
}

/**
 * A password typed for `login` from `ip`. A browser whose device cookie proves it signed in to the account
 * before (`device`: its id, for the user the login names) is counted on its own, and neither the per-account
 * lock nor the per-IP limits apply to it: that is how the real user gets in while an attacker is locked out.
 * The account limits are keyed by what was typed, so an unknown name is throttled exactly like a real one.
 */
export function signInSubjects(login: string, ip: string, device?: { id: string; userId: string }): Subject[] {
  if (device) return [{ policy: 'device', id: `${device.id}\n${device.userId}` }];
  const key = accountKey(login);
  return [
    { policy: 'account_ip', id: `${key}\n${ip}` },
    { policy: 'account', id: key },
    { policy: 'ip', id: ip },
  ];
}

/** What a success resets: the person's own counts, never the account's or the IP's (an attacker's failures). */
export const resetOnSuccess = (subjects: Subject[]) => subjects.filter((s) => s.policy === 'account_ip' || s.policy === 'device');

/** A client secret presented for `clientId` from `ip` (token, introspection, revocation). */
export const clientAuthSubjects = (clientId: string, ip: string): Subject[] => [{ policy: 'client_ip', id: `${clientId}\n${ip}` }];

/**
 * A device-flow user code typed from `ip` that matched no device code. Per IP only: the person typing has not signed
 * in yet, so no device cookie or account says who they are.
 */
export const userCodeSubjects = (ip: string): Subject[] => [{ policy: 'user_code_ip', id: ip }];

/** A first-admin setup link presented from `ip`. */
export const setupSubjects = (ip: string): Subject[] => [{ policy: 'setup_ip', id: ip }];

/** A self-registration submitted from `ip`. */
export const signUpSubjects = (ip: string): Subject[] => [{ policy: 'sign_up_ip', id: ip }];

/** Dynamic client registrations (RFC 7591), each counted, from one IP. */
export const registrationSubjects = (ip: string): Subject[] => [{ policy: 'registration_ip', id: ip }];

/**
 * An email asked for from `ip` for what was typed as `login` (a password reset) or an account's own login (a new
 * verification code): capped per account key, existing or not, and per IP.
 */
export const recoverySubjects = (login: string, ip: string): Subject[] => [
  { policy: 'recovery_account', id: accountKey(login) },
  { policy: 'recovery_ip', id: ip },
];

/**
 * A second factor (authenticator code, recovery code) typed for `userId`, whose password was right, from `ip`.
 * Counted apart from passwords but by the same policies: per user and IP with a growing wait, per user from every
 * IP without the device cookie (the lock), and per device for a browser that signed in to the account before,
 * which the lock spares. Six digits with five tries before the first wait leave a guesser nothing.
 */
export function secondFactorSubjects(userId: string, ip: string, device?: string): Subject[] {
  if (device) return [{ policy: 'device', id: `second-factor\n${device}\n${userId}` }];
  return [
    { policy: 'account_ip', id: `second-factor\n${userId}\n${ip}` },
    { policy: 'account', id: `second-factor\n${userId}` },
  ];
}
