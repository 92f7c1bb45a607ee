import type { Middleware } from 'koa';
import { errors, Provider, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { findApplication, insertSecret } from '../apps/app.repository.ts';
import type { Db } from '../db/database.ts';
import { clientIp } from '../http/client-ip.ts';
import { newId } from '../ids.ts';
import {
  admitDynamicApp, findSameDynamicApp, redirectHosts, registerAgain, removeDynamicApp, updateRegisteredApp,
  type DynamicAppRefusal,
} from '../registration/dynamic-app.service.ts';

/**
 * RFC 7591 / 7592 through oidc-provider's registration feature, with Sesame's apps as the store: what oidc-provider
 * saves through the Client adapter (src/oidc/adapter.ts) becomes an app of origin `dcr` under the admin's policy
 * (src/registration/), third-party, public with PKCE or confidential with a hashed secret. A client that registers
 * again with the same metadata, from the same address or with the same software_id, gets its entry back.
 */

/** Where the app a repeated registration got back is noted for the response (`shapeRegistrationResponses`). */
const registeredAgain = Symbol('sesame.registeredAgain');
type Noted = KoaContextWithOIDC & { [registeredAgain]?: { id: string; createdAt: Date } };

/** What the Client adapter does with what oidc-provider stores or deletes. */
export interface ClientRegistrations {
  save(id: string, metadata: AdapterPayload): Promise<void>;
  remove(id: string): Promise<void>;
}

function refusal(result: DynamicAppRefusal): Error {
  if (result.reason === 'invalid_metadata' || result.reason === 'domain') {
    return new errors.InvalidClientMetadata(result.reason === 'domain' ? `redirect_uris: ${result.detail}` : result.detail);
  }
  // The policy is off, a cap is reached, or the id is another app's: nothing the client can fix in its metadata.
  return Object.assign(new errors.AccessDenied(result.detail), { status: 403, statusCode: 403 });
}

const secretOf = (metadata: AdapterPayload) => (typeof metadata.client_secret === 'string' ? metadata.client_secret : undefined);

export function clientRegistrations(db: Db): ClientRegistrations {
  return {
    async save(id, metadata) {
      const ctx = Provider.ctx as Noted | undefined;
      const origin = { ip: ctx ? clientIp(ctx.req, ctx.app.proxy) : null, userAgent: ctx?.get('user-agent') || null };
      if (await findApplication(db, id)) {
        const result = await updateRegisteredApp(db, id, metadata);
        if (!('updated' in result)) throw refusal(result);
        return;
      }
      const same = await findSameDynamicApp(db, 'dcr', metadata, origin.ip);
      if (same) {
        await registerAgain(db, same, secretOf(metadata));
        if (ctx) ctx[registeredAgain] = { id: same.id, createdAt: same.created_at };
        return;
      }
      const firstHost = redirectHosts(metadata).find(Boolean);
      const admission = await admitDynamicApp(db, {
        origin: 'dcr', clientId: id, metadata, hosts: redirectHosts(metadata), fallbackName: firstHost ?? 'Registered app', ...origin,
        // As sent: the engine kept only the OpenID scopes of it (src/oidc/provider.ts keepOpenIdScopes).
        requestedScope: (ctx?.oidc?.body as Record<string, unknown> | undefined)?.scope,
      }, async (trx, app) => {
        const secret = secretOf(metadata);
        if (secret && app.type === 'traditional') {
          await insertSecret(trx, { id: newId('sec_'), applicationId: app.id, name: 'Registered', value: secret, expiresAt: null });
        }
      });
      if (!admission.admitted) throw refusal(admission);
    },

    async remove(id) {
      const ctx = Provider.ctx;
      await removeDynamicApp(db, id, 'deleted_by_client', {
        ip: ctx ? clientIp(ctx.req, ctx.app.proxy) : undefined, userAgent: ctx?.get('user-agent') || undefined,
      });
    },
  };
}

/**
 * provider.use on the registration endpoints: the client information response says what Sesame keeps. Sesame's own
 * client metadata (`sesame/…`) is not the client's to see, and a secret is shown only when it was just made (only
 * its hash is kept: a read cannot return it). A repeated registration answers with the app it got back, and a
 * registration access token for that app.
 */
export function shapeRegistrationResponses(registrationPath: string, isUnknownSecret: (secret: unknown) => boolean): Middleware {
  return async function shapeRegistrationResponse(ctx, next) {
    await next();
    if (!ctx.path.startsWith(registrationPath) || !ctx.body || typeof ctx.body !== 'object') return;
    const body = ctx.body as Record<string, unknown>;
    for (const key of Object.keys(body)) if (key.startsWith('sesame/')) delete body[key];
    if ('client_secret' in body && isUnknownSecret(body.client_secret)) {
      delete body.client_secret;
      delete body.client_secret_expires_at;
    }
    const again = (ctx as Noted)[registeredAgain];
    if (!again || ctx.status !== 201) return;
    const { oidc } = ctx as KoaContextWithOIDC;
    await oidc.entities.RegistrationAccessToken?.destroy();
    const Token = oidc.provider.RegistrationAccessToken as unknown as new (payload: { clientId: string }) => { save(): Promise<string> };
    const token = new Token({ clientId: again.id });
    Object.assign(body, {
      client_id: again.id,
      client_id_issued_at: Math.floor(again.createdAt.getTime() / 1000),
      registration_client_uri: oidc.urlFor('client', { clientId: again.id }),
      registration_access_token: await token.save(),
    });
  };
}
