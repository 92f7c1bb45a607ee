import type { TestSesame } from './sesame.ts';
import { isSignInPage, parseForm, SignInStuckError, type UserAgent } from './user-agent.ts';
import { newId } from '../../src/ids.ts';

/** The permissions a consent page offers: each checkbox's value and whether it can be unticked. */
export function consentOptions(page: string): { value: string; required: boolean }[] {
  return [...page.matchAll(/<input type="checkbox" name="grant" value="([^"]*)"[^>]*>/g)].map((m) => ({
    value: m[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
    required: /disabled/.test(m[0]),
  }));
}

export function isConsentPage(page: string): boolean {
  return /action="\/interaction\/[^"]+\/consent"/.test(page);
}

export type Step = { callback: URL } | { consent: { page: string; url: string } };

/** Opens an authorization URL, signing in if asked; stops at the consent page or at the app's redirect. */
export async function authorizeUntilConsent(agent: UserAgent, url: string, credentials: { login: string; password: string }): Promise<Step> {
  let { response, url: at } = await agent.follow(url);
  if (response.status >= 300 && response.status < 400) return { callback: new URL(at) };
  let page = await response.text();
  if (isSignInPage(page)) {
    const form = parseForm(page, at);
    ({ response, url: at } = await agent.follow(form.action, { form: { ...form.fields, ...credentials } }));
    if (response.status >= 300 && response.status < 400) return { callback: new URL(at) };
    page = await response.text();
  }
  if (isConsentPage(page)) return { consent: { page, url: at } };
  throw new SignInStuckError(response.status, at, page);
}

/** Submits the consent form with exactly `ticked` (openid is always sent), or presses Cancel. */
export async function decide(agent: UserAgent, consent: { page: string; url: string }, ticked: string[] | 'cancel'): Promise<URL> {
  const forms = [...consent.page.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((f) => f[1]!.endsWith(ticked === 'cancel' ? '/abort' : '/consent'))!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(form[2]!)![1]!;
  const body = new URLSearchParams({ csrf });
  if (ticked !== 'cancel') for (const value of ['openid', ...ticked]) body.append('grant', value);
  const { response: last, url } = await agent.follow(new URL(form[1]!, consent.url).toString(), { form: body });
  if (last.status >= 300 && last.status < 400) return new URL(url);
  throw new SignInStuckError(last.status, url, await last.text());
}

/** An API resource with scopes, a role holding `held` of them, given to the user. */
export async function giveRole(sesame: TestSesame, userId: string, resource: { name: string; indicator: string; scopes: string[] }, held: string[]) {
  const db = sesame.sesame.db;
  const existing = await db.selectFrom('api_resources').select('id').where('indicator', '=', resource.indicator).executeTakeFirst();
  const resourceId = existing?.id ?? newId('res_');
  if (!existing) await db.insertInto('api_resources').values({ id: resourceId, name: resource.name, indicator: resource.indicator, access_token_ttl: null }).execute();
  for (const scope of resource.scopes) {
    await db.insertInto('api_resource_scopes').values({ id: newId('scp_'), resource_id: resourceId, name: scope, description: `Can ${scope.replace(':', ' ')}` })
      .onConflict((oc) => oc.columns(['resource_id', 'name']).doNothing()).execute();
  }
  const roleId = newId('rol_');
  await db.insertInto('roles').values({ id: roleId, name: `role-${roleId}` }).execute();
  const scopeRows = await db.selectFrom('api_resource_scopes').select(['id', 'name']).where('resource_id', '=', resourceId).execute();
  for (const row of scopeRows.filter((r) => held.includes(r.name))) await db.insertInto('role_scopes').values({ role_id: roleId, scope_id: row.id }).execute();
  await db.insertInto('user_roles').values({ user_id: userId, role_id: roleId }).execute();
  return { resourceId, roleId };
}

/** Sets a third-party app's allowlist directly in the database. */
export async function allow(sesame: TestSesame, appId: string, userScopes: string[], resourceScopes: { indicator: string; scope: string }[] = []) {
  const db = sesame.sesame.db;
  await db.deleteFrom('application_user_scopes').where('application_id', '=', appId).execute();
  await db.deleteFrom('application_resource_scopes').where('application_id', '=', appId).execute();
  for (const scope of userScopes) await db.insertInto('application_user_scopes').values({ application_id: appId, scope: scope as never }).execute();
  for (const { indicator, scope } of resourceScopes) {
    const row = await db.selectFrom('api_resource_scopes as s').innerJoin('api_resources as r', 'r.id', 's.resource_id')
      .select('s.id').where('r.indicator', '=', indicator).where('s.name', '=', scope).executeTakeFirstOrThrow();
    await db.insertInto('application_resource_scopes').values({ application_id: appId, scope_id: row.id }).execute();
  }
}

/**
 * Revoke access on the account page, as a person does it: the account page's button opens the confirmation page,
 * whose form revokes. `page` is the account page; answers the response to that form.
 */
export async function revokeOnAccountPage(agent: UserAgent, issuer: string, page: string, appName?: string) {
  // An app's heading, then its button before any other heading (the page has other sections with headings).
  const entries = [...page.matchAll(/<h3>([^<]*)<\/h3>(?:(?!<h3>)[\s\S])*?<form method="get" action="(\/account\/apps\/[^"]+\/revoke)">/g)];
  const entry = appName ? entries.find((m) => m[1] === appName) : entries[0];
  if (!entry) throw new Error(`no Revoke access button${appName ? ` for ${appName}` : ''} on the account page`);
  const confirm = await agent.follow(`${issuer}${entry[2]}`);
  const confirmation = await confirm.response.text();
  const form = /<form method="post" action="(\/account\/apps\/[^"]+\/revoke)">\s*<input type="hidden" name="csrf" value="([^"]+)">/.exec(confirmation);
  if (!form) throw new Error('the confirmation page has no form that revokes');
  return { confirmation, revoked: await agent.follow(`${issuer}${form[1]}`, { form: { csrf: form[2]! } }) };
}
