import type { Db } from '../../db/database.ts';
import { allowedResourceScopes, allowedUserScopes } from '../../permissions/permission.repository.ts';
import { managementApiIndicator, managementScope } from '../../resources/management-api.ts';
import { getApplication } from '../app.service.ts';
import { guideContext, type GuideResource, type ProviderFacts } from './context.ts';
import { buildGuide } from './guide.ts';
import { registeredResourceScopes } from './guide.repository.ts';
import type { Guide } from './guide.schema.ts';
import { groupResources, userScopesOf } from './scopes.ts';

/**
 * An app's integration guide, written from its current values: what it is, what it may ask for, how it signs
 * in, and samples filled in with all of it. Never holds a client secret (only its hash is kept): the placeholder
 * stands in its place.
 */
export async function getApplicationGuide(db: Db, id: string, facts: ProviderFacts): Promise<Guide> {
  const app = await getApplication(db, id);
  const firstParty = !app.third_party && app.type !== 'm2m';
  const [userAllowlist, allowedResources, registered] = await Promise.all([
    app.third_party ? allowedUserScopes(db, id) : Promise.resolve([]),
    firstParty ? Promise.resolve([]) : allowedResourceScopes(db, id),
    firstParty ? registeredResourceScopes(db) : Promise.resolve([]),
  ]);
  const management = managementApiIndicator(facts.issuer);
  const resources: GuideResource[] = [
    ...groupResources(firstParty ? registered : allowedResources),
    ...(app.management_access && !app.third_party
      ? [{ indicator: management, name: 'Sesame Management API', scopes: [{ name: managementScope, description: 'Everything in the Management API' }] }]
      : []),
  ];
  const context = guideContext(app, facts, userScopesOf(app, userAllowlist, facts.claimsByScope), resources);
  return buildGuide(context, management);
}
