import { interactionPolicy } from 'oidc-provider';

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
