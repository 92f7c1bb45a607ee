/**
 * Who must have a second factor, set in the sign-in experience:
 * - `off`: Sesame neither offers nor asks for second factors or passkeys (those people have are kept, and used
 *   again when the policy allows them);
 * - `optional`: anyone may add them in /account; whoever has one is asked for it at every sign-in;
 * - `admins`: as optional, and an admin without one sets one up at the next sign-in;
 * - `everyone`: as optional, and everyone without one sets one up at the next sign-in.
 */
export const mfaPolicies = ['off', 'optional', 'admins', 'everyone'] as const;
export type MfaPolicy = (typeof mfaPolicies)[number];

export const secondFactorsEnabled = (policy: MfaPolicy): boolean => policy !== 'off';

export function mustHaveSecondFactor(policy: MfaPolicy, user: { is_admin: boolean }): boolean {
  return policy === 'everyone' || (policy === 'admins' && user.is_admin);
}
