import { z } from 'zod';
import { policyNames } from '../../throttle/policies.ts';
import { timestamp } from '../common.schema.ts';

/** Management API shapes of blocks in force (src/throttle/). */

export const lockoutSchema = z.object({
  policy: z.enum(policyNames).describe('What is counted: `account_ip` (one account key from one IP), `account` (one account key from every browser without its device cookie), `device`, `ip` (failures across accounts), `client_ip` (a client secret from one IP), `setup_ip`, `sign_up_ip`, `recovery_account` (emails asked for one account key), `recovery_ip` (emails asked for from one IP), `registration_ip` (dynamic client registrations from one IP)'),
  account_key: z.string().nullable().describe('The username or email typed, in canonical form; whether or not a user has it'),
  user_id: z.string().nullable().describe('The user the account key named when the block started'),
  client_id: z.string().nullable(),
  ip: z.string().nullable(),
  failures: z.number().int().describe('Attempts counted when the block started'),
  blocked_until: timestamp,
  started_at: timestamp,
}).meta({ id: 'Lockout' });
