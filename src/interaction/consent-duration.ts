/**
 * How long a person's decision on the consent screen lasts, when the app lets them choose (issue 15 §3): *for this
 * time only* (this authorization, nothing remembered: the next sign-in asks again), *for 30 days*, or *until I
 * revoke* (the default choice). Without the choice, a decision lasts SESAME_GRANT_TTL.
 */
export const consentDurations = ['until_revoked', '30_days', 'once'] as const;
export type ConsentDuration = (typeof consentDurations)[number];

const thirtyDays = 30 * 24 * 3600;

/** The duration a form field names, if it names one. */
export function parseConsentDuration(value: unknown): ConsentDuration | undefined {
  return (consentDurations as readonly unknown[]).includes(value) ? value as ConsentDuration : undefined;
}

/** When a remembered decision ends: null for *until I revoke*; SESAME_GRANT_TTL when the person was not asked. */
export function consentExpiry(duration: Exclude<ConsentDuration, 'once'> | undefined, defaultTtlSeconds: number, now = Date.now()): Date | null {
  if (duration === 'until_revoked') return null;
  return new Date(now + (duration === '30_days' ? thirtyDays : defaultTtlSeconds) * 1000);
}

/**
 * Whether the consent screen offers the choice: the app's own setting, else SESAME_CONSENT_DURATIONS. Never under the
 * `ask` consent policy (src/consents/consent-policy.ts): the screen comes back at every sign-in whatever was chosen,
 * so a choice of how long would promise what it cannot keep.
 */
export function offersConsentDurations(app: { consent_durations: boolean | null; consent_policy: string }, byDefault: boolean): boolean {
  if (app.consent_policy === 'ask') return false;
  return app.consent_durations ?? byDefault;
}
