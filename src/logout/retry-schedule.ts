/** Retries are at most this far apart. */
const maxDelaySeconds = 3600;
/** A notification no app accepted for this long is given up. */
const giveUpAfterSeconds = 24 * 3600;

/**
 * When to try a back-channel logout again after `attempts` failed ones: `firstSeconds`, then three times later
 * each time, at most an hour apart; undefined once the notification is a day old (given up). A day covers an app's
 * deploy or outage; after that the tokens it holds have long been revoked and the person has moved on.
 */
export function retryDelay(attempts: number, createdAt: Date, firstSeconds: number, now = Date.now()): number | undefined {
  const delay = Math.min(maxDelaySeconds, firstSeconds * 3 ** Math.max(0, attempts - 1));
  const age = (now - createdAt.getTime()) / 1000;
  return age + delay > giveUpAfterSeconds ? undefined : delay;
}
