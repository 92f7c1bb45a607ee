import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Records a poll of a device code (by its hash) and says whether it came sooner than the interval its device must
 * keep; if so, that interval grows by 5 seconds (RFC 8628 §3.5). One statement, so two nodes answering two polls
 * at once agree. The first poll only starts the clock.
 */
export async function recordDevicePoll(db: Db, codeHash: string, intervalSeconds: number, expiresAt: Date): Promise<boolean> {
  const early = sql`device_code_polls.last_polled_at + make_interval(secs => device_code_polls.interval_seconds) > now()`;
  const { rows } = await sql<{ slowed: boolean }>`
    INSERT INTO device_code_polls (code_hash, interval_seconds, expires_at)
    VALUES (${codeHash}, ${intervalSeconds}, ${expiresAt})
    ON CONFLICT (code_hash) DO UPDATE SET
      slowed = ${early},
      interval_seconds = CASE WHEN ${early} THEN device_code_polls.interval_seconds + 5 ELSE device_code_polls.interval_seconds END,
      last_polled_at = now()
    RETURNING slowed`.execute(db);
  return rows[0]?.slowed ?? false;
}

/** Forgets the polls of device codes that expired. */
export async function deleteExpiredDevicePolls(db: Db): Promise<number> {
  const result = await db.deleteFrom('device_code_polls').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
