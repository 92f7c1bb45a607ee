import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { ServiceError } from '../errors.ts';
import { newClientId, newId } from '../ids.ts';
import { appTypes, isConfidential, mayBeThirdParty } from './app-types.ts';
import { insertApplication, insertSecret } from './app.repository.ts';
import { corsOriginProblem, redirectUriProblem } from './redirect-uri.ts';

export const newApplicationSchema = z.object({
  name: z.string().trim().min(1).max(256),
  description: z.string().trim().max(2048).optional(),
  type: z.enum(appTypes),
  thirdParty: z.boolean().default(false),
  redirectUris: z.array(z.string()).max(100).default([]),
  postLogoutRedirectUris: z.array(z.string()).max(100).default([]),
  corsOrigins: z.array(z.string()).max(100).default([]),
});
export type NewApplicationInput = z.input<typeof newApplicationSchema>;

export interface CreatedApplication {
  application: Application;
  /** Shown once: only its hash is kept. */
  clientSecret?: string;
}

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function createApplication(db: Db, input: NewApplicationInput): Promise<CreatedApplication> {
  const data = newApplicationSchema.parse(input);
  const problems = [
    data.thirdParty && !mayBeThirdParty(data.type) ? 'a machine-to-machine app cannot be third-party' : undefined,
    data.type === 'm2m' && (data.redirectUris.length || data.postLogoutRedirectUris.length)
      ? 'a machine-to-machine app has no redirect URIs' : undefined,
    ...data.redirectUris.map((uri) => redirectUriProblem(uri, data.type)),
    ...data.postLogoutRedirectUris.map((uri) => redirectUriProblem(uri, data.type, 'post-logout redirect')),
    ...data.corsOrigins.map(corsOriginProblem),
  ].filter((problem) => problem !== undefined);
  if (problems.length) throw new ServiceError('application.invalid', problems.join('; '), 422);

  return db.transaction().execute(async (trx) => {
    const application = await insertApplication(trx, {
      id: newClientId(),
      name: data.name,
      description: data.description ?? null,
      type: data.type,
      third_party: data.thirdParty,
      redirect_uris: JSON.stringify(data.redirectUris),
      post_logout_redirect_uris: JSON.stringify(data.postLogoutRedirectUris),
      cors_origins: JSON.stringify(data.corsOrigins),
    });
    if (!isConfidential(data.type)) return { application };
    const clientSecret = generateClientSecret();
    await insertSecret(trx, { id: newId('sec_'), applicationId: application.id, name: 'Default', value: clientSecret, expiresAt: null });
    return { application, clientSecret };
  });
}
