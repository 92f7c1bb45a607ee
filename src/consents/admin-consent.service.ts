import { sql } from 'kysely';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { getThirdPartyApplication } from '../apps/third-party.ts';
import type { Db } from '../db/database.ts';
import { assertThat, ServiceError, type FieldError } from '../errors.ts';
import { revokeGrant } from '../grants/grant.repository.ts';
import { allowedUserScopes, allowlistedResourceScopes } from '../permissions/permission.repository.ts';
import { parseInput } from '../validation/parse-input.ts';
import { consentPolicies, type ConsentPolicy } from './consent-policy.ts';
import { deleteConsentRow, findConsentRowsOfApp } from './consent.repository.ts';
import type { Actor } from './consent.service.ts';

/**
 * The admin decides for everyone (issue 15 §4): a third-party app's consent policy and admin consent (permissions
 * pre-approved for every user, src/consents/consent-policy.ts). Withdrawing a pre-approval (taking permissions off,
 * or leaving the `preapproved` policy) takes effect at once: the app's tokens end, consents that stood only on the
 * admin's decision end, and every user is asked again at the next sign-in for what they had not decided themselves.
 */

export interface ConsentSettings {
  policy: ConsentPolicy;
  /** Consent-screen values: a user data scope, or `INDICATOR SCOPE`. */
  preapproved: string[];
}

export const consentSettingsSchema = z.object({
  policy: z.enum(consentPolicies).meta({ title: 'Consent policy' }),
  preapproved: z.array(z.string().min(1).max(2200)).max(500).default([]).meta({ title: 'Pre-approved permissions' }),
});

const what = 'a consent policy';

export async function getConsentSettings(db: Db, appId: string): Promise<ConsentSettings> {
  const app = await getThirdPartyApplication(db, appId, what);
  return { policy: app.consent_policy, preapproved: [...app.preapproved_scopes] };
}

/** Every permission the app may be granted, as consent-screen values, with the resource scope's description. */
export async function grantablePermissions(db: Db, appId: string) {
  const [userScopes, resourceScopes] = await Promise.all([allowedUserScopes(db, appId), allowlistedResourceScopes(db, appId)]);
  return [
    ...['openid', 'offline_access', ...userScopes].map((scope) => ({ value: scope, resource: null as string | null, scope, description: null as string | null })),
    ...resourceScopes.map((s) => ({ value: `${s.indicator} ${s.name}`, resource: s.indicator, scope: s.name, description: s.description as string | null })),
  ];
}

export async function setConsentSettings(db: Db, appId: string, input: z.input<typeof consentSettingsSchema>, actor: Actor = {}): Promise<ConsentSettings> {
  const data = parseInput(consentSettingsSchema, input);
  const app = await getThirdPartyApplication(db, appId, what);
  const grantable = new Set((await grantablePermissions(db, appId)).map((p) => p.value));
  const problems: FieldError[] = data.preapproved.flatMap((value, i) => (grantable.has(value) ? [] : [{
    pointer: `/preapproved/${i}`,
    detail: `Pre-approved permission ${i + 1} (${JSON.stringify(value.slice(0, 200))}) is not on the app's permissions: pre-approve a user data scope it may ask for, or "INDICATOR SCOPE" of an API resource scope on its allowlist`,
  }]));
  assertThat(!problems.length, () => new ServiceError('consent.unknown_permission', problems.map((p) => p.detail).join(' '), 422, problems));
  const preapproved = [...new Set(data.preapproved)];
  const before: ConsentSettings = { policy: app.consent_policy, preapproved: [...app.preapproved_scopes] };
  const withdrawn = before.policy === 'preapproved' && data.policy !== 'preapproved'
    ? [...grantable].filter((v) => !preapproved.includes(v))
    : before.preapproved.filter((v) => !preapproved.includes(v));
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('applications')
      .set({ consent_policy: data.policy, preapproved_scopes: JSON.stringify(preapproved), updated_at: sql`now()` })
      .where('id', '=', appId).execute();
    await recordAuditEvent(trx, {
      type: 'consent.policy_changed', clientId: appId, ip: actor.ip, userAgent: actor.userAgent,
      details: { policy: data.policy, preapproved, withdrawn, ...principalDetails(actor) },
    });
    if (withdrawn.length) await withdrawAdminConsent(trx, appId, actor);
  });
  return { policy: data.policy, preapproved };
}

/** Ends what stood on the admin's decision: every token of the app, and consents no person made. */
async function withdrawAdminConsent(db: Db, appId: string, actor: Actor): Promise<void> {
  for (const row of await findConsentRowsOfApp(db, appId)) {
    if (row.source !== 'admin') continue;
    await deleteConsentRow(db, row.id);
    await recordAuditEvent(db, {
      type: 'consent.revoked', userId: row.user_id, clientId: appId, ip: actor.ip, userAgent: actor.userAgent,
      details: { by: 'admin', reason: 'admin_consent_withdrawn', ...principalDetails(actor) },
    });
  }
  const grants = await db.selectFrom('oidc_models').select('id').where('model', '=', 'Grant').where('client_id', '=', appId).execute();
  for (const { id } of grants) await revokeGrant(db, id);
}

function principalDetails(actor: Actor): Record<string, unknown> {
  const p = actor.principal;
  if (!p) return {};
  return { actor: p.kind === 'user' ? { user_id: p.userId, client_id: p.clientId } : { client_id: p.clientId } };
}
