import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import {
  getSignInExperience, updateSignInExperience, type SignInExperienceSource,
} from '../../sign-in-experience/sign-in-experience.service.ts';
import { signInExperienceBody, signInExperienceSchema, toApiSignInExperience } from './sign-in-experience.schema.ts';

export interface SignInExperienceRouteDeps {
  db: Db;
  /** This node's cached copy, refreshed at once after a change. */
  signInExperience?: SignInExperienceSource;
}

const tag = 'Sign-in experience';

export function signInExperienceRoutes({ db, signInExperience }: SignInExperienceRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/sign-in-experience', tag, operationId: 'getSignInExperience',
      summary: 'Get the sign-in experience',
      description: 'Product name, logos, accent colour, default language and self-registration of the sign-in pages.',
      response: signInExperienceSchema,
      handle: async () => toApiSignInExperience(await getSignInExperience(db)),
    }),
    defineRoute({
      method: 'put', path: '/sign-in-experience', tag, operationId: 'updateSignInExperience',
      summary: 'Change the sign-in experience',
      description: 'Fields left out keep their value; `null` removes a logo. Every node applies the change within a few seconds (SESAME_SETTINGS_CACHE_SECONDS), the node that took it at once.',
      body: signInExperienceBody,
      response: signInExperienceSchema,
      async handle({ body }) {
        const updated = await updateSignInExperience(db, body);
        signInExperience?.invalidate();
        return toApiSignInExperience(updated);
      },
    }),
  ];
}
