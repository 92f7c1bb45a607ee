import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { removeDynamicApp } from './dynamic-app.service.ts';
import { registrationPolicy } from './registration-policy.service.ts';

/**
 * The lifecycle of apps that arrive by themselves: nobody used one for the policy's `unused_app_days`, it goes
 * (agents register freely, so entries would otherwise pile up). Use is recorded at most hourly per app.
 */

/** How often an app's use is written at most: enough to judge "unused for days", cheap on every token request. */
const useResolutionMs = 60 * 60 * 1000;

/**
 * Records that an app was used (a sign-in or a token). This node writes at most once an hour per app, and the
 * database only when the recorded time is older than that, so busy apps cost no writes and every node agrees.
 */
export function appUseRecorder(db: Db, onError: (error: unknown) => void): (clientId: string) => void {
  const recent = new Map<string, number>();
  return (clientId) => {
    const now = Date.now();
    if ((recent.get(clientId) ?? 0) > now - useResolutionMs) return;
    if (recent.size >= 10_000) recent.clear();
    recent.set(clientId, now);
    db.updateTable('applications').set({ last_used_at: sql`now()` })
      .where('id', '=', clientId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 hour'`)]))
      .execute()
      .catch(onError);
  };
}

/**
 * The durable removal job: takes the dynamic apps unused for the policy's days (or never used since they
 * registered), a batch at a time, each claimed with FOR UPDATE SKIP LOCKED so any number of nodes share it and
 * none removes an app twice; each removal is recorded as `app.removed`. A node that stops mid-way leaves the rest
 * for the next run on any node. Returns how many apps were removed.
 */
export async function removeUnusedDynamicApps(db: Db, batch = 100): Promise<number> {
  const { unused_app_days: days } = await registrationPolicy(db);
  let removed = 0;
  for (;;) {
    const due = await db.selectFrom('applications').select('id')
      .where('origin', '<>', 'admin')
      .where(sql<boolean>`coalesce(last_used_at, created_at) < now() - make_interval(days => ${days})`)
      .orderBy(sql`coalesce(last_used_at, created_at)`)
      .limit(batch)
      .execute();
    let progress = 0;
    for (const { id } of due) if (await removeDynamicApp(db, id, 'unused', {}, days)) progress++;
    removed += progress;
    if (due.length < batch || !progress) return removed;
  }
}
