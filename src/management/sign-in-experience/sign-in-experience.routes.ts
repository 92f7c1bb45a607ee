import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import {
  getSignInExperience, updateSignInExperience, type SignInExperienceSource,
} from '../../sign-in-experience/sign-in-experience.service.ts';
import { signInExperienceBody, signInExperienceSchema, toApiSignInExperience } from './sign-in-experience.schema.ts';

export interface SignInExperienceRouteDeps {
  db: Db;
  /** Whether Sesame can send email, which requiring a verified email needs. */
  canSendEmail: boolean;
  /** This node's cached copy, refreshed at once after a change. */
  signInExperience?: SignInExperienceSource;
}

const tag = 'Sign-in experience';

export function signInExperienceRoutes({ db, signInExperience, canSendEmail }: SignInExperienceRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/sign-in-experience', tag, operationId: 'getSignInExperience',
      summary: 'Get the sign-in experience',
      description: 'Product name, logos, accent colour, default language, self-registration and whether a verified email is required to sign in.',
      response: signInExperienceSchema,
      handle: async () => toApiSignInExperience(await getSignInExperience(db)),
    }),
    defineRoute({
      method: 'put', path: '/sign-in-experience', tag, operationId: 'updateSignInExperience',
      summary: 'Change the sign-in experience',
      description: 'Fields left out keep their value; `null` removes a logo. Every node applies the change within a few seconds (SESAME_SETTINGS_CACHE_SECONDS), the node that took it at once. `require_verified_email` cannot be turned on while email is off (409 `sign_in_experience.email_unavailable`).',
      body: signInExperienceBody,
      response: signInExperienceSchema,
      problems: [409],
      async handle({ body }) {
        const updated = await updateSignInExperience(db, body, { canSendEmail });
        signInExperience?.invalidate();
        return toApiSignInExperience(updated);
      },
    }),
  ];
}
