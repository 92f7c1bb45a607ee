import type { Context } from 'koa';
import { errors, type InteractionResults, type Provider } from 'oidc-provider';
import type { Directory } from '../cache/directory.ts';
import type { Db } from '../db/database.ts';
import type { MfaSecrets } from '../mfa/mfa-secrets.ts';
import { pageContext } from '../pages/page-context.ts';
import { sendErrorPage } from '../pages/send-page.ts';
import type { RelyingParty } from '../passkeys/relying-party.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import type { DeviceCookies } from '../throttle/device-cookie.ts';
import type { Throttle } from '../throttle/throttle.service.ts';
import type { CsrfTokens } from './csrf.ts';
import type { SignInSteps } from './sign-in-steps.ts';

/** What every step of an interaction (sign-in, sign-up, email verification, second factor, consent, recovery) works with, and the helpers they share. */

export interface InteractionDeps {
  db: Db;
  directory: Directory;
  provider: () => Provider;
  csrf: CsrfTokens;
  throttle: Throttle;
  devices: DeviceCookies;
  /** Keys of second factors (src/mfa/mfa-secrets.ts). */
  mfaSecrets: MfaSecrets;
  /** Sesame as a WebAuthn relying party (its issuer). */
  relyingParty: RelyingParty;
  /** Who proved a first factor in which interaction (src/interaction/sign-in-steps.ts). */
  steps: SignInSteps;
  /** Email and what is proved through it: *Forgot password?*, verification codes. */
  recovery: RecoveryDeps;
  /** How long a person's consent is remembered (SESAME_GRANT_TTL). */
  consentTtlSeconds: number;
  /** SESAME_CONSENT_DURATIONS: whether consent screens offer a choice of how long, unless the app says otherwise. */
  consentDurations: boolean;
}

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The page's language and the sign-in experience it wears (loaded for /interaction in src/app.ts). */
export const interactionPage = (ctx: Context, details?: Details) => pageContext(ctx, details?.params.ui_locales);

/** The interaction the browser's cookie names, if it is the one in the URL. */
export async function loadInteraction(ctx: Context, deps: Pick<InteractionDeps, 'provider'>): Promise<Details | undefined> {
  try {
    const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
    return details.uid === ctx.params.uid ? details : undefined;
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return undefined;
    throw error;
  }
}

export async function finish(ctx: Context, deps: Pick<InteractionDeps, 'provider'>, result: InteractionResults) {
  const location = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(location);
}

export const clientIdOf = (details: Details) => String(details.params.client_id);

export async function appName(deps: Pick<InteractionDeps, 'directory'>, details: Details): Promise<string> {
  const app = await deps.directory.application(clientIdOf(details));
  return app?.display_name ?? app?.name ?? clientIdOf(details);
}

/** Reads the submitted form of an interaction that is at `prompt`, checking its CSRF token. */
export async function submittedForm(ctx: Context, deps: Pick<InteractionDeps, 'provider' | 'csrf'>, prompts: string[]) {
  const details = await loadInteraction(ctx, deps);
  const page = interactionPage(ctx, details);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (!details || !prompts.includes(details.prompt.name)) {
    sendErrorPage(ctx, page, page.t('error.expired'), 400);
    return undefined;
  }
  if (!deps.csrf.verify(details.uid, body.csrf)) {
    sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
    return undefined;
  }
  return { details, body, page };
}
