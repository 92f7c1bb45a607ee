import { z } from 'zod';
import { brandingUrlProblem } from '../apps/branding.service.ts';
import type { Db } from '../db/database.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { supportedLocales } from '../i18n/messages.ts';
import { findSignInSettings, saveSignInSettings, type SignInSettingsRow } from './sign-in-experience.repository.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';

/**
 * The sign-in experience: how Sesame's own pages look and behave for everyone — the product name and logos in
 * the header, the accent colour, the language when the browser asks for none Sesame has, and whether people
 * may create their own account. Stored in one database row so every node applies the same settings.
 */
export interface SignInExperience {
  productName: string;
  logoUrl: string | null;
  logoDarkUrl: string | null;
  /** `#rrggbb`, lowercase. */
  primaryColor: string;
  defaultLanguage: string;
  selfRegistration: boolean;
  /** Whether people must have verified their email address before they may sign in. */
  requireVerifiedEmail: boolean;
  updatedAt: Date | null;
}

export const defaultPrimaryColor = '#4f46e5';

export const defaultSignInExperience: SignInExperience = {
  productName: 'Sesame',
  logoUrl: null,
  logoDarkUrl: null,
  primaryColor: defaultPrimaryColor,
  defaultLanguage: 'en',
  selfRegistration: false,
  requireVerifiedEmail: false,
  updatedAt: null,
};

const logoUrl = (title: string) => z.string().trim().max(4096).meta({ title }).nullable().transform((value, ctx) => {
  if (value === null || value === '') return null;
  const problem = brandingUrlProblem(value, 'image');
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
  return value;
});

/** What an admin may change; fields left out keep their value. */
export const signInExperienceChangesSchema = z.object({
  product_name: z.string().trim().min(1).max(64)
    .regex(/^[^\p{C}]*$/u, 'must not contain control or invisible characters')
    .meta({ title: 'Product name', description: 'Name shown in the header of the sign-in pages' }).optional(),
  logo_url: logoUrl('Logo URL').describe('Logo for light backgrounds: https (http only on loopback hosts); null removes it').optional(),
  logo_dark_url: logoUrl('Dark logo URL').describe('Logo for dark backgrounds; the light one is used when absent').optional(),
  primary_color: z.string().trim().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb, like #4f46e5').transform((v) => v.toLowerCase())
    .meta({ title: 'Primary colour', description: 'Accent colour of buttons and links, `#rrggbb`' }).optional(),
  default_language: z.enum(supportedLocales as [string, ...string[]])
    .meta({ title: 'Default language', description: 'Language of the pages when neither `ui_locales` nor Accept-Language names a supported one' }).optional(),
  self_registration: z.boolean().meta({ title: 'Allow self-registration', description: 'Whether the sign-in page offers *Create account*' }).optional(),
  require_verified_email: z.boolean().meta({
    title: 'Require a verified email to sign in',
    description: 'Whether people must verify their email address (a code sent to it) before they may sign in; needs email (SESAME_SMTP_URL, or the outbox on the embedded database)',
  }).optional(),
});
export type SignInExperienceChanges = z.input<typeof signInExperienceChangesSchema>;

function fromRow(row: SignInSettingsRow | undefined): SignInExperience {
  if (!row) return defaultSignInExperience;
  return {
    productName: row.product_name,
    logoUrl: row.logo_url,
    logoDarkUrl: row.logo_dark_url,
    primaryColor: row.primary_color,
    defaultLanguage: supportedLocales.includes(row.default_language) ? row.default_language : 'en',
    selfRegistration: row.self_registration,
    requireVerifiedEmail: row.require_verified_email,
    updatedAt: row.updated_at,
  };
}

export async function getSignInExperience(db: Db): Promise<SignInExperience> {
  return fromRow(await findSignInSettings(db));
}

/**
 * Changes the settings. Requiring a verified email needs email to work (`canSendEmail`): without it nobody could
 * verify, and nobody could sign in.
 */
export async function updateSignInExperience(db: Db, input: SignInExperienceChanges, options: { canSendEmail?: boolean } = {}): Promise<SignInExperience> {
  const changes = parseInput(signInExperienceChangesSchema, input);
  assertThat(!changes.require_verified_email || options.canSendEmail !== false, () => {
    const detail = sentence(fieldLabel(signInExperienceChangesSchema, ['require_verified_email']), 'cannot be turned on while Sesame cannot send email: set SESAME_SMTP_URL first');
    return new ServiceError('sign_in_experience.email_unavailable', detail, 409, [{ pointer: '/require_verified_email', detail }]);
  });
  const row = await saveSignInSettings(db, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
  return fromRow(row);
}

/**
 * The settings as a node applies them: read from the database at most every `ttlMs`, so a change made on any
 * node (or by the CLI) shows everywhere within that time without a restart; a change made through this
 * node shows at once.
 */
export interface SignInExperienceSource {
  get(): Promise<SignInExperience>;
  /** Forgets the cached copy (after this node changed the settings). */
  invalidate(): void;
}

export function cachedSignInExperience(db: Db, ttlMs: number): SignInExperienceSource {
  let cached: { value: SignInExperience; until: number } | undefined;
  let pending: Promise<SignInExperience> | undefined;
  // A read that started before an invalidation must not cache what it read.
  let generation = 0;
  return {
    async get() {
      if (cached && cached.until > Date.now()) return cached.value;
      if (!pending) {
        const started = generation;
        // Concurrent requests after expiry share one query.
        const read = getSignInExperience(db).then((value) => {
          if (started === generation) cached = { value, until: Date.now() + ttlMs };
          return value;
        }).finally(() => {
          if (pending === read) pending = undefined;
        });
        pending = read;
      }
      return pending;
    },
    invalidate() {
      generation += 1;
      cached = undefined;
      pending = undefined;
    },
  };
}
