import type { AppType } from '../app-types.ts';
import { redirectWarnings, type GuideContext } from './context.ts';
import { externalIdpSection } from './external-idp.ts';
import { flowOf } from './flow.ts';
import { clientSecretPlaceholder, type Guide, type GuideSample } from './guide.schema.ts';
import { guideMarkdown } from './markdown.ts';
import { apacheSample } from './samples/apache.ts';
import { appAuthAndroidSample, appAuthIosSample } from './samples/appauth.ts';
import { cliLoopbackSample } from './samples/cli-loopback.ts';
import { m2mCurlSample, m2mNodeSample } from './samples/m2m.ts';
import { nodeExpressSample } from './samples/node-express.ts';
import { nodeOpenIdClientWebSample } from './samples/node-openid-client.ts';
import { pythonAuthlibSample } from './samples/python-authlib.ts';
import { spaOidcClientTsSample } from './samples/spa-oidc-client-ts.ts';
import { scopeNotes } from './scopes.ts';

/** The samples each type of app gets, in the order the guide shows them. */
const samplesByType: Record<AppType, ((context: GuideContext) => GuideSample)[]> = {
  traditional: [nodeExpressSample, nodeOpenIdClientWebSample, pythonAuthlibSample, apacheSample],
  spa: [spaOidcClientTsSample],
  native: [cliLoopbackSample, appAuthIosSample, appAuthAndroidSample],
  m2m: [m2mCurlSample, m2mNodeSample],
};

/** The whole guide of one app, written from its context; the Markdown is the same guide. */
export function buildGuide(context: GuideContext, managementIndicator: string): Guide {
  const { app, facts } = context;
  const guide: Omit<Guide, 'markdown'> = {
    client_id: app.id,
    name: app.name,
    type: app.type,
    third_party: app.third_party,
    issuer: facts.issuer,
    discovery_url: facts.discovery,
    client_secret: context.clientSecret === undefined ? null : {
      placeholder: clientSecretPlaceholder,
      note: 'Sesame keeps only a hash of each secret, so it is shown only once, when it is created. If it is lost, create a new one under Endpoints & credentials → Client secrets; the old one keeps working until you delete it.',
    },
    redirect_uris: [...app.redirect_uris],
    post_logout_redirect_uris: [...app.post_logout_redirect_uris],
    scopes: { user: context.userScopes, resources: context.resources, notes: scopeNotes(app, context.resources, managementIndicator) },
    flow: flowOf(context),
    endpoints: [
      { label: 'Discovery', value: facts.discovery },
      { label: 'Authorization', value: facts.endpoints.authorization },
      { label: 'Token', value: facts.endpoints.token },
      { label: 'Userinfo', value: facts.endpoints.userinfo },
      { label: 'JWKS', value: facts.endpoints.jwks },
      { label: 'End session', value: facts.endpoints.endSession },
      { label: 'Revocation', value: facts.endpoints.revocation },
      { label: 'Introspection', value: facts.endpoints.introspection },
      ...(app.device_flow ? [
        { label: 'Device authorization', value: facts.endpoints.deviceAuthorization },
        { label: 'Device verification', value: facts.endpoints.deviceVerification, note: 'Where people enter the code the device shows' },
      ] : []),
    ],
    external_idp: externalIdpSection(context),
    warnings: redirectWarnings(app),
    samples: samplesByType[app.type].map((sample) => sample(context)),
  };
  return { ...guide, markdown: guideMarkdown(guide) };
}
