import { z } from 'zod';
import { supportedLocales } from '../../i18n/messages.ts';
import { timestamp } from '../common.schema.ts';
import { signInExperienceChangesSchema, type SignInExperience } from '../../sign-in-experience/sign-in-experience.service.ts';

/** Management API shapes of the sign-in experience. */

export const signInExperienceSchema = z.object({
  product_name: z.string().describe('Name shown in the header of the sign-in pages'),
  logo_url: z.string().nullable().describe('Logo for light backgrounds'),
  logo_dark_url: z.string().nullable().describe('Logo for dark backgrounds'),
  primary_color: z.string().describe('Accent colour, `#rrggbb`'),
  default_language: z.enum(supportedLocales as [string, ...string[]]).describe('Language when the browser asks for none Sesame has'),
  self_registration: z.boolean().describe('Whether people may create their own account from the sign-in page'),
  require_verified_email: z.boolean().describe('Whether people must verify their email address before they may sign in'),
  updated_at: timestamp.nullable().describe('When the settings last changed; null while they are the defaults'),
}).meta({ id: 'SignInExperience' });

export const signInExperienceBody = signInExperienceChangesSchema.strict();

export function toApiSignInExperience(experience: SignInExperience): z.input<typeof signInExperienceSchema> {
  return {
    product_name: experience.productName,
    logo_url: experience.logoUrl,
    logo_dark_url: experience.logoDarkUrl,
    primary_color: experience.primaryColor,
    default_language: experience.defaultLanguage,
    self_registration: experience.selfRegistration,
    require_verified_email: experience.requireVerifiedEmail,
    updated_at: experience.updatedAt?.toISOString() ?? null,
  };
}
