import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { policyNames, type Policy, type PolicyName } from './policies.ts';

/**
 * Where each policy counts its events: rate-limiter-flexible, on PostgreSQL (table `throttle_counters`, created by a
 * migration) when Sesame runs on a PostgreSQL server, so every node counts together; in this process's memory on the
 * embedded database, which only one process opens.
 */
export type Counters = Record<PolicyName, RateLimiterAbstract>;

export function createCounters(policies: Record<PolicyName, Policy>, pool: pg.Pool | undefined): Counters {
  const counters = {} as Counters;
  for (const name of policyNames) {
    const options = { keyPrefix: name, points: policies[name].allowed, duration: policies[name].window };
    counters[name] = pool
      ? new RateLimiterPostgres({ ...options, storeClient: pool, storeType: 'pool', tableName: 'throttle_counters', tableCreated: true })
      : new RateLimiterMemory(options);
  }
  return counters;
}
