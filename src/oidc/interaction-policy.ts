import { interactionPolicy } from 'oidc-provider';
import { meetsAcrValues } from '../mfa/strength.ts';

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
