import type { ThrottleSettings } from '../config/config.ts';

/**
 * What is counted, per what. Each policy counts events (failed secrets, or sign-ups) per subject for `window`
 * seconds; from the `allowed`-th on, each one blocks the subject: for a growing time (`first`, doubled with
 * each further event, at most `max`), or for the rest of the window (a plain cap).
 */
export const policyNames = ['account_ip', 'account', 'device', 'ip', 'client_ip', 'setup_ip', 'sign_up_ip', 'recovery_account', 'recovery_ip', 'registration_ip'] as const;
export type PolicyName = (typeof policyNames)[number];

export interface Policy {
  allowed: number;
  block: { first: number; max: number } | 'rest_of_window';
  window: number;
}

export function policiesFrom(s: ThrottleSettings): Record<PolicyName, Policy> {
  const delay = { first: s.delay, max: s.maxDelay };
  return {
    // One account key (typed, existing or not) from one IP: a person's typos, or one attacker.
    account_ip: { allowed: s.failures, block: delay, window: s.memory },
    // One account key from every IP that has no device cookie for it: a botnet.
    account: { allowed: s.accountFailures, block: { first: s.accountLock, max: s.accountMaxLock }, window: s.memory },
    // One browser that signed in to the account before: its own, more generous, limit instead of the two above.
    device: { allowed: s.deviceFailures, block: delay, window: s.memory },
    // One IP across every account: credential stuffing.
    ip: { allowed: s.ipFailures, block: delay, window: s.memory },
    // One client_id's secret from one IP at the token, introspection and revocation endpoints.
    client_ip: { allowed: s.clientFailures, block: delay, window: s.memory },
    // The first-admin setup link from one IP.
    setup_ip: { allowed: s.failures, block: delay, window: s.memory },
    // Self-registrations from one IP.
    sign_up_ip: { allowed: s.signUps, block: 'rest_of_window', window: s.signUpWindow },
    // Emails asked for one account key (password reset, verification code), whether or not the account exists.
    recovery_account: { allowed: s.recoveryEmails, block: 'rest_of_window', window: s.recoveryWindow },
    // Emails asked for from one IP, whatever the accounts.
    recovery_ip: { allowed: s.recoveryIp, block: 'rest_of_window', window: s.recoveryWindow },
    // Dynamic client registrations from one IP.
    registration_ip: { allowed: s.registrations, block: 'rest_of_window', window: s.registrationWindow },
  };
}

/** Seconds the `count`-th event blocks for (0 below `allowed`); `windowLeftMs` is what remains of the count's window. */
export function blockSeconds(policy: Policy, count: number, windowLeftMs: number): number {
  if (count < policy.allowed) return 0;
  if (policy.block === 'rest_of_window') return Math.max(1, Math.ceil(windowLeftMs / 1000));
  const doublings = Math.min(count - policy.allowed, 40);
  return Math.min(policy.block.max, policy.block.first * 2 ** doublings);
}
