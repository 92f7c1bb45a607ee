import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { isThirdParty } from '../apps/third-party.ts';
import { coversAll, policyOf, preapprovedPart, type ConsentPolicyOfClient } from '../consents/consent-policy.ts';
import { meetsAcrValues } from '../mfa/strength.ts';
import { requestedBy } from './grants.ts';

const { Check } = interactionPolicy;

/**
 * Adds a login check to `policy`: a session whose account can no longer be used (suspended or deleted since
 * it signed in) must sign in again. Without it the session counts as signed in with no account, and the
 * consent prompt fails on the grant that was never loaded.
 */
export function requireAvailableAccount<P extends interactionPolicy.DefaultPolicy>(policy: P): P {
  policy.get('login')!.checks.add(new Check(
    'account_unavailable',
    'the signed-in account is no longer available',
    'login_required',
    (ctx) => (ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
  ));
  return policy;
}

/** The reason the login prompt gives when a session is signed in, but less strongly than the app asks. */
export const acrValuesUnmet = 'acr_values_unmet';

/**
 * Adds a login check to `policy`: an app that asks for a class with `acr_values` (a second factor, say) gets a
 * session at that class or stronger. A weaker session goes through the sign-in pages again, which add the missing
 * factor (step-up, src/interaction/second-factor.routes.ts); with `prompt=none` the app gets `login_required`.
 * oidc-provider itself only enforces `acr` asked for as essential through the claims parameter.
 */
export function requireRequestedAcr<P extends interactionPolicy.DefaultPolicy>(policy: P): P {
  policy.get('login')!.checks.add(new Check(
    acrValuesUnmet,
    'the requested authentication context class was not obtained',
    'login_required',
    (ctx) => {
      const requested = ctx.oidc.params?.acr_values;
      if (typeof requested !== 'string' || !ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
      return meetsAcrValues(ctx.oidc.acr, requested.split(' ')) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    },
  ));
  return policy;
}

/**
 * Replaces oidc-provider's native-client check of the consent prompt with the app's consent policy
 * (src/consents/consent-policy.ts): a native app is still asked every time (RFC 8252 §8.6), unless everything it
 * asks for is pre-approved; a third-party app whose policy is `ask` is asked every time too. A decision just made
 * in this interaction is never asked again.
 */
export function applyConsentPolicy<P extends interactionPolicy.DefaultPolicy>(policy: P): P {
  const checks = policy.get('consent')!.checks;
  checks.remove('native_client_prompt');
  const undecided = (ctx: KoaContextWithOIDC) => !ctx.oidc.result?.consent && ctx.oidc.params?.response_type !== 'none';
  const metadata = (ctx: KoaContextWithOIDC) => ctx.oidc.client as unknown as ConsentPolicyOfClient;
  checks.add(new Check('native_client_prompt', 'native clients require End-User interaction', 'interaction_required', (ctx) => {
    if (!undecided(ctx) || ctx.oidc.client?.applicationType !== 'native') return Check.NO_NEED_TO_PROMPT;
    if (!isThirdParty(ctx.oidc.client)) return Check.REQUEST_PROMPT;
    const requested = requestedBy(ctx);
    return coversAll(preapprovedPart(metadata(ctx), requested), requested) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  }), 0);
  checks.add(new Check(consentPolicyAsk, 'the app\'s consent policy asks every time', 'interaction_required', (ctx) => (
    undecided(ctx) && ctx.oidc.client && isThirdParty(ctx.oidc.client) && policyOf(metadata(ctx)) === 'ask'
      ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT
  )), 0);
  return policy;
}

/** The reason the consent prompt gives when the app's policy is to ask every time. */
export const consentPolicyAsk = 'consent_policy_ask';
