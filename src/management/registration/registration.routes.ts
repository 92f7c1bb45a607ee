import type { Db } from '../../db/database.ts';
import type { Principal } from '../../http/bearer-auth.ts';
import { requestOrigin } from '../../http/request-origin.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { approveApplication, denyApplication } from '../../registration/dynamic-app.service.ts';
import { registrationPolicy, updateRegistrationPolicy } from '../../registration/registration-policy.service.ts';
import { createRegistrationToken } from '../../registration/registration-token.service.ts';
import { applicationParams, applicationSchema, toApiApplication } from '../applications/application.schema.ts';
import {
  createdRegistrationTokenSchema, newRegistrationTokenBody, registrationPolicyBody, registrationPolicySchema,
  toApiRegistrationPolicy, toApiRegistrationToken,
} from './registration.schema.ts';
import type { Context } from 'koa';

const tag = 'App registration';

/** Who decided, as the audit trail keeps it: the admin's user id when a person did. */
function actorOf(ctx: Context) {
  const principal = ctx.state.principal as Principal | undefined;
  return { ...requestOrigin(ctx), userId: principal?.kind === 'user' ? principal.userId : null, by: 'admin' as const };
}

export function registrationRoutes({ db }: { db: Db }): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/registration', tag, operationId: 'getRegistrationPolicy',
      summary: 'Get the policy for apps that register themselves',
      description: 'For dynamic registration (`dcr`, RFC 7591) and client ID metadata documents (`cimd`): `off`, `approval` or `open`; the domain allowlist, initial access tokens, caps and how long unused apps are kept.',
      response: registrationPolicySchema,
      handle: async () => toApiRegistrationPolicy(await registrationPolicy(db)),
    }),
    defineRoute({
      method: 'put', path: '/registration', tag, operationId: 'updateRegistrationPolicy',
      summary: 'Change the policy for apps that register themselves',
      description: 'Fields left out keep their value; `allowed_domains` given replaces the list (`[]` allows any). Recorded as `registration.policy_changed`.',
      body: registrationPolicyBody,
      response: registrationPolicySchema,
      handle: async ({ body, ctx }) => toApiRegistrationPolicy(await updateRegistrationPolicy(db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'post', path: '/registration/tokens', tag, operationId: 'createRegistrationToken',
      summary: 'Create an initial access token for dynamic registration',
      description: 'Shown once. Needed by registrations when `initial_access_token_required` is on (RFC 7591 §3). Recorded as `registration.token_created`.',
      body: newRegistrationTokenBody,
      response: createdRegistrationTokenSchema,
      status: 201,
      handle: async ({ body, ctx }) => toApiRegistrationToken(await createRegistrationToken(db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'post', path: '/applications/:id/approve', tag, operationId: 'approveApplication',
      summary: 'Approve an app that registered itself',
      description: 'People can sign in to it from now on. Only for apps that registered themselves (422 `application.not_dynamic`). Recorded as `app.approved`.',
      params: applicationParams,
      response: applicationSchema,
      problems: [404, 422],
      handle: async ({ params, ctx }) => toApiApplication(await approveApplication(db, params.id, actorOf(ctx))),
    }),
    defineRoute({
      method: 'post', path: '/applications/:id/deny', tag, operationId: 'denyApplication',
      summary: 'Deny an app that registered itself',
      description: 'People who try it see that it is not allowed; its grants, tokens and codes end at once. Recorded as `app.denied`.',
      params: applicationParams,
      response: applicationSchema,
      problems: [404, 422],
      handle: async ({ params, ctx }) => toApiApplication(await denyApplication(db, params.id, actorOf(ctx))),
    }),
  ];
}
