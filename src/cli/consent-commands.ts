import { z } from 'zod';
import { getConsentSettings, setConsentSettings, type ConsentSettings } from '../consents/admin-consent.service.ts';
import { consentPolicies } from '../consents/consent-policy.ts';
import { consentReport, consentReportCsv, type ConsentReport } from '../consents/consent-report.ts';
import { command } from './command.ts';
import { table } from './output.ts';

/** CLI commands for a third-party app's consent policy, admin consent and consent report (issue 15 §4). */

const id = (flag = '--id') => z.string({ error: `${flag} is required` }).min(1, `${flag} is required`);

/** `INDICATOR#SCOPE` as `apps permissions set` takes it, or a user data scope; stored as the consent screen's `INDICATOR SCOPE`. */
const permissionOf = (value: string) => {
  const at = value.lastIndexOf('#');
  return at > 0 ? `${value.slice(0, at)} ${value.slice(at + 1)}` : value;
};

const formatSettings = (s: ConsentSettings) => `policy: ${s.policy}\npre-approved: ${s.preapproved.length ? s.preapproved.map((p) => p.replace(' ', '#')).join(', ') : 'nothing'}`;

export const consentCommands = {
  'apps consent show': command({
    summary: "Show a third-party app's consent policy and the permissions an admin pre-approved for every user",
    usage: 'apps consent show --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    run: async ({ db }, input) => getConsentSettings(db, input.id),
    format: formatSettings,
  }),

  'apps consent set': command({
    summary: "Set a third-party app's consent policy (ask, remember, preapproved) and admin consent; withdrawing a pre-approval ends the app's tokens and users are asked again",
    usage: 'apps consent set --id CLIENT_ID --policy ask|remember|preapproved [--preapprove SCOPE|INDICATOR#SCOPE]...',
    options: { id: { type: 'string' }, policy: { type: 'string' }, preapprove: { type: 'string', multiple: true } },
    input: z.object({
      id: id(),
      policy: z.enum(consentPolicies, { error: '--policy must be ask, remember or preapproved' }),
      preapprove: z.array(z.string().min(1, '--preapprove must not be empty')).default([]),
    }),
    run: async ({ db }, input) => setConsentSettings(db, input.id, { policy: input.policy, preapproved: input.preapprove.map(permissionOf) }, { userAgent: 'sesame-cli' }),
    format: (s: ConsentSettings) => `consent set\n${formatSettings(s)}`,
  }),

  'apps consent report': command({
    summary: 'How many users granted a third-party app each permission (--csv: the CSV export)',
    usage: 'apps consent report --id CLIENT_ID [--csv]',
    options: { id: { type: 'string' }, csv: { type: 'boolean' } },
    input: z.object({ id: id(), csv: z.boolean().default(false) }),
    run: async ({ db }, input) => ({ report: await consentReport(db, input.id), csv: input.csv }),
    format: ({ report, csv }: { report: ConsentReport; csv: boolean }) => (csv
      ? consentReportCsv(report).trimEnd()
      : `${report.name}: ${report.users} users, policy ${report.policy}\n${table(report.permissions.map((p) => ({
        permission: p.permission, users: p.users, preapproved: p.preapproved ? 'yes' : '',
      })))}`),
  }),
};
