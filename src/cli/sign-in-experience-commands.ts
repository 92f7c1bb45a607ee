import { z } from 'zod';
import { toApiSignInExperience } from '../management/sign-in-experience/sign-in-experience.schema.ts';
import { getSignInExperience, updateSignInExperience } from '../sign-in-experience/sign-in-experience.service.ts';
import { canSendEmail, emailDeliveryOf } from '../email/delivery.ts';
import { command } from './command.ts';
import { yesNo } from './options.ts';
import { fields } from './output.ts';

/** CLI commands for the sign-in experience; the output has the Management API's field names. */

export const signInExperienceCommands = {
  'sign-in-experience show': command({
    summary: 'Show the sign-in experience (product name, logos, colour, default language, self-registration, verified email required)',
    usage: 'sign-in-experience show',
    options: {},
    input: z.object({}),
    run: async ({ db }) => toApiSignInExperience(await getSignInExperience(db)),
    format: (s: Record<string, unknown>) => fields(s),
  }),

  'sign-in-experience set': command({
    summary: 'Change the sign-in experience; running nodes apply it within SESAME_SETTINGS_CACHE_SECONDS',
    usage: 'sign-in-experience set [--product-name N] [--logo-url U] [--logo-dark-url U] [--primary-color #rrggbb] [--default-language en|fr|ja|ko|ru] [--self-registration true|false] [--require-verified-email true|false]  (an empty URL removes a logo)',
    options: {
      'product-name': { type: 'string' }, 'logo-url': { type: 'string' }, 'logo-dark-url': { type: 'string' },
      'primary-color': { type: 'string' }, 'default-language': { type: 'string' }, 'self-registration': { type: 'string' },
      'require-verified-email': { type: 'string' },
    },
    input: z.object({
      'product-name': z.string().optional(),
      'logo-url': z.string().optional(),
      'logo-dark-url': z.string().optional(),
      'primary-color': z.string().optional(),
      'default-language': z.string().optional(),
      'self-registration': yesNo('--self-registration').optional(),
      'require-verified-email': yesNo('--require-verified-email').optional(),
    }),
    async run({ db, config }, input) {
      return toApiSignInExperience(await updateSignInExperience(db, {
        product_name: input['product-name'],
        logo_url: input['logo-url'],
        logo_dark_url: input['logo-dark-url'],
        primary_color: input['primary-color'],
        default_language: input['default-language'],
        self_registration: input['self-registration'],
        require_verified_email: input['require-verified-email'],
      }, { canSendEmail: canSendEmail(emailDeliveryOf(config)) }));
    },
    format: (s: Record<string, unknown>) => `updated the sign-in experience\n${fields(s)}`,
  }),
};
