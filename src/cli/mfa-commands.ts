import { z } from 'zod';
import { toApiFactors } from '../management/users/user-factors.schema.ts';
import { listFactors, resetFactors } from '../mfa/factors.service.ts';
import { getUser } from '../users/user.service.ts';
import { command } from './command.ts';

/** CLI commands for users' second factors; the output has the Management API's field names. */

export const mfaCommands = {
  'users factors': command({
    summary: "List a user's second factors: authenticator app, passkeys, recovery codes left",
    usage: 'users factors --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    async run({ db }, input) {
      await getUser(db, input.id);
      return toApiFactors(await listFactors(db, input.id));
    },
    format: (f: ReturnType<typeof toApiFactors>) => [
      `authenticator app: ${f.totp ? `on since ${f.totp.confirmed_at}` : 'none'}`,
      `passkeys: ${f.passkeys.length ? f.passkeys.map((p) => p.name).join(', ') : 'none'}`,
      `recovery codes: ${f.recovery_codes.unused} of ${f.recovery_codes.total} left`,
    ].join('\n'),
  }),

  'users reset-mfa': command({
    summary: "Reset a user's second factors: their authenticator app, passkeys and recovery codes are removed",
    usage: 'users reset-mfa --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    async run({ db }, input) {
      const user = await getUser(db, input.id);
      const removed = await resetFactors(db, user.id, { by: 'cli' });
      return { id: user.id, username: user.username, totp: removed.totp, passkeys: removed.passkeys, recovery_codes: removed.recoveryCodes };
    },
    format: (r: { username: string; totp: boolean; passkeys: number; recovery_codes: number }) =>
      `reset second factors of ${r.username}: ${r.totp ? 'authenticator app, ' : ''}${r.passkeys} passkey(s), ${r.recovery_codes} recovery code(s) removed`,
  }),

};
