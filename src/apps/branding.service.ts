import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { assertThat, ServiceError, type FieldError } from '../errors.ts';
import { updateApplicationRow } from './app.repository.ts';
import { loopbackHosts } from './redirect-uri.ts';
import { getThirdPartyApplication } from './third-party.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';

/**
 * The consent-screen branding of a third-party app: display name (the name when absent), logos for light and
 * dark themes, and links to its terms and privacy policy. The URLs end up in `src`/`href` attributes of
 * Sesame's own pages, so only plain https (http on loopback hosts) is taken.
 */

export const brandingFields = ['display_name', 'logo_url', 'logo_dark_url', 'terms_url', 'privacy_url'] as const;
export type BrandingField = (typeof brandingFields)[number];
export type Branding = Record<BrandingField, string | null>;
export type BrandingChanges = Partial<Record<BrandingField, string | null>>;

export const maxBrandingUrlLength = 2048;

/**
 * Why `value` cannot be a branding URL, or undefined when it can. An image (a logo) must also be one the pages'
 * Content-Security-Policy can allow, whose grammar has no IPv6 literals: not http://[::1].
 */
export function brandingUrlProblem(value: string, kind: 'link' | 'image' = 'link'): string | undefined {
  if (value.length > maxBrandingUrlLength) return `must be at most ${maxBrandingUrlLength} characters`;
  if (/[\s\p{C}\\]/u.test(value)) return 'must not contain whitespace, control or invisible characters, or a backslash';
  if (value.includes('#')) return 'must not contain a fragment (#)';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') return 'must be an absolute https URL (http only on localhost, 127.0.0.1 or [::1])';
  if (!/^https?:\/\//i.test(value)) return `must be written as ${scheme}://host/…`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password || /^https?:\/\/[^/?]*@/i.test(value)) return 'must not contain user information (user@host)';
  if (!url.hostname) return 'has no host';
  if (scheme === 'http' && !loopbackHosts.has(url.hostname)) return 'must use https; http is allowed only on localhost, 127.0.0.1 and [::1]';
  if (scheme === 'http' && kind === 'image' && url.hostname.startsWith('[')) return 'must use https, or http on localhost or 127.0.0.1 (a page\'s Content-Security-Policy cannot name an IPv6 address)';
  return undefined;
}

const urlField = (title: string) => z.string().trim().max(maxBrandingUrlLength * 2).meta({ title }).nullable().optional();

/** The branding fields, labelled as the console shows them; each URL's own rules are `brandingUrlProblem`'s. */
export const brandingChangesSchema = z.object({
  display_name: z.string().trim().max(256).meta({ title: 'Display name' }).nullable().optional(),
  logo_url: urlField('Logo URL'),
  logo_dark_url: urlField('Dark logo URL'),
  terms_url: urlField('Terms of use URL'),
  privacy_url: urlField('Privacy policy URL'),
});

export function brandingOf(app: Application): Branding {
  return {
    display_name: app.display_name,
    logo_url: app.logo_url,
    logo_dark_url: app.logo_dark_url,
    terms_url: app.terms_url,
    privacy_url: app.privacy_url,
  };
}

const what = 'consent-screen branding';

export async function getBranding(db: Db, applicationId: string): Promise<Branding> {
  return brandingOf(await getThirdPartyApplication(db, applicationId, what));
}

/**
 * Changes the fields given; an empty string or null clears one. With `replace`, fields not given are cleared
 * too (PUT). Every invalid URL is reported at once.
 */
export async function updateBranding(db: Db, applicationId: string, input: BrandingChanges, options: { replace?: boolean } = {}): Promise<Branding> {
  const changes = parseInput(brandingChangesSchema, input);
  const application = await getThirdPartyApplication(db, applicationId, what);
  const next: BrandingChanges = {};
  const problems: FieldError[] = [];
  for (const field of brandingFields) {
    const value = changes[field];
    if (value === undefined && !options.replace) continue;
    const cleared = value === undefined || value === null || value === '';
    if (!cleared && field !== 'display_name') {
      const problem = brandingUrlProblem(value, field === 'logo_url' || field === 'logo_dark_url' ? 'image' : 'link');
      if (problem) problems.push({ pointer: `/${field}`, detail: sentence(fieldLabel(brandingChangesSchema, [field]), problem) });
    }
    next[field] = cleared ? null : value;
  }
  assertThat(!problems.length, () => new ServiceError('branding.invalid_url', problems.map((p) => p.detail).join(' '), 422, problems));
  const updated = Object.keys(next).length ? await updateApplicationRow(db, applicationId, next) : application;
  assertThat(updated, () => new ServiceError('application.not_found', `no application with client id ${JSON.stringify(applicationId)}`, 404));
  return brandingOf(updated);
}
