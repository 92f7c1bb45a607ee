import { z } from 'zod';
import { consentSettingsSchema, getConsentSettings, setConsentSettings } from '../../consents/admin-consent.service.ts';
import { consentPolicies } from '../../consents/consent-policy.ts';
import { consentReport, consentReportCsv } from '../../consents/consent-report.ts';
import type { Db } from '../../db/database.ts';
import { managementActor } from '../../http/management-actor.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { applicationParams } from '../applications/application.schema.ts';

/** A third-party app's consent policy, admin consent and consent report (issue 15 §4). */

export interface ConsentRouteDeps {
  db: Db;
}

const tag = 'Applications';
const thirdPartyOnly = 'Third-party apps only: any other app answers 422 `application.not_third_party`.';

const settingsSchema = z.object({
  policy: z.enum(consentPolicies).meta({ title: 'Consent policy', description: '`ask`: the consent screen at every sign-in; `remember` (default): asked once, remembered (native apps asked every time unless everything asked is pre-approved); `preapproved`: the admin consents for every user to whatever the allowlist allows, no screen.' }),
  preapproved: z.array(z.string()).meta({ title: 'Pre-approved permissions', description: 'Admin consent: permissions granted to every user without asking, as consent-screen values: a user data scope (`profile`, `offline_access`) or `INDICATOR SCOPE` of an API resource scope on the allowlist.' }),
});

const reportSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  policy: z.enum(consentPolicies),
  users: z.number().int().meta({ description: 'Users with a live consent for the app' }),
  permissions: z.array(z.object({
    permission: z.string(),
    resource: z.string().nullable(),
    scope: z.string(),
    description: z.string().nullable(),
    users: z.number().int().meta({ description: 'Users holding it (every connected user for a pre-approved one)' }),
    preapproved: z.boolean(),
  })),
});

export function consentRoutes({ db }: ConsentRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/applications/:id/consent', tag, operationId: 'getApplicationConsentSettings',
      summary: 'A third-party app\'s consent policy and admin consent',
      description: thirdPartyOnly,
      params: applicationParams,
      response: settingsSchema,
      problems: [404, 422],
      handle: async ({ params }) => getConsentSettings(db, params.id),
    }),
    defineRoute({
      method: 'put', path: '/applications/:id/consent', tag, operationId: 'setApplicationConsentSettings',
      summary: 'Set a third-party app\'s consent policy and admin consent',
      description: `Withdrawing a pre-approval (taking a permission off, or leaving \`preapproved\`) ends the app's tokens at once and the consents that stood only on the admin's decision; users are asked again at their next sign-in. A permission not on the app's allowlist answers 422 \`consent.unknown_permission\`. Recorded as the audit event \`consent.policy_changed\`. ${thirdPartyOnly}`,
      params: applicationParams,
      body: consentSettingsSchema,
      response: settingsSchema,
      problems: [404, 422],
      handle: async ({ params, body, ctx }) => setConsentSettings(db, params.id, body, managementActor(ctx)),
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/consent/report', tag, operationId: 'getApplicationConsentReport',
      summary: 'How many users granted a third-party app what',
      description: `Per permission the app may be granted, how many users with a live consent hold it. The same as CSV: \`GET /applications/{id}/consent/report.csv\`. ${thirdPartyOnly}`,
      params: applicationParams,
      response: reportSchema,
      problems: [404, 422],
      async handle({ params }) {
        const report = await consentReport(db, params.id);
        return { client_id: report.clientId, name: report.name, policy: report.policy as z.infer<typeof reportSchema>['policy'], users: report.users, permissions: report.permissions };
      },
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/consent/report.csv', tag, operationId: 'getApplicationConsentReportCsv', raw: 'text/csv',
      summary: 'The consent report as CSV',
      description: `RFC 4180 CSV, one row per permission: app, client_id, permission, resource, scope, description, users, preapproved. A cell that a spreadsheet would run as a formula starts with an apostrophe. ${thirdPartyOnly}`,
      params: applicationParams,
      problems: [404, 422],
      async handle({ params, ctx }) {
        const report = await consentReport(db, params.id);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.set('Cache-Control', 'no-store');
        ctx.set('Content-Disposition', `attachment; filename="${report.clientId}-consent-report.csv"`);
        ctx.body = consentReportCsv(report);
      },
    }),
  ];
}
