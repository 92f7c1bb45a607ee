import { getThirdPartyApplication } from '../apps/third-party.ts';
import type { Db } from '../db/database.ts';
import { grantablePermissions } from './admin-consent.service.ts';
import { findConsentRowsOfApp } from './consent.repository.ts';

/**
 * How many users granted a third-party app what (issue 15 §4). `users` counts live consents; for each permission
 * the app may be granted, how many of them hold it. A pre-approved permission is held by every connected user (it
 * is added at each sign-in), so it counts them all.
 */
export interface ConsentReport {
  clientId: string;
  name: string;
  policy: string;
  users: number;
  permissions: { permission: string; resource: string | null; scope: string; description: string | null; users: number; preapproved: boolean }[];
}

export async function consentReport(db: Db, appId: string): Promise<ConsentReport> {
  const app = await getThirdPartyApplication(db, appId, 'consent reports');
  const now = new Date();
  const consents = (await findConsentRowsOfApp(db, appId)).filter((c) => !c.expires_at || c.expires_at > now);
  const held = new Map<string, number>();
  for (const consent of consents) {
    const values = new Set([
      ...consent.scopes.split(' ').filter(Boolean),
      ...Object.entries(consent.resource_scopes ?? {}).flatMap(([indicator, scopes]) => String(scopes).split(' ').filter(Boolean).map((s) => `${indicator} ${s}`)),
    ]);
    for (const value of values) held.set(value, (held.get(value) ?? 0) + 1);
  }
  const preapproved = new Set(app.preapproved_scopes);
  const everything = app.consent_policy === 'preapproved';
  return {
    clientId: app.id,
    name: app.display_name ?? app.name,
    policy: app.consent_policy,
    users: consents.length,
    permissions: (await grantablePermissions(db, appId)).map((p) => {
      const isPreapproved = everything || preapproved.has(p.value);
      return { permission: p.value, resource: p.resource, scope: p.scope, description: p.description, users: isPreapproved ? consents.length : held.get(p.value) ?? 0, preapproved: isPreapproved };
    }),
  };
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A cell a spreadsheet would read as a
 * formula (starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe, so opening the export
 * never runs what an app's name or a scope's description says (OWASP CSV injection).
 */
export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function consentReportCsv(report: ConsentReport): string {
  const rows: (string | number | boolean | null)[][] = [
    ['app', 'client_id', 'permission', 'resource', 'scope', 'description', 'users', 'preapproved'],
    ...report.permissions.map((p) => [report.name, report.clientId, p.permission, p.resource, p.scope, p.description, p.users, p.preapproved]),
  ];
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
