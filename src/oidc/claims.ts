import type { User } from '../db/tables.ts';

/** The scopes of the user's data and session that every client may ask for; API resource scopes are apart. */
export const oidcScopes = ['openid', 'offline_access', 'profile', 'email', 'phone', 'address', 'roles'] as const;

/**
 * Standard claims by scope (OIDC Core §5.4). How the person signed in (`acr`, `amr`: src/mfa/strength.ts) is part of
 * every ID token, not only when an app asks for it, so an app can always see whether a second factor was used.
 */
export const claimsByScope = {
  openid: ['sub', 'acr', 'amr'],
  profile: [
    'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
    'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
  ],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
  roles: ['roles'],
} as const;

/** Every claim a user has; oidc-provider keeps only those the granted scopes allow. */
export function userClaims(user: User, roles: string[] = []): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: user.id,
    name: user.name,
    family_name: user.family_name,
    given_name: user.given_name,
    middle_name: user.middle_name,
    nickname: user.nickname,
    preferred_username: user.username,
    profile: user.profile,
    picture: user.picture,
    website: user.website,
    gender: user.gender,
    birthdate: user.birthdate,
    zoneinfo: user.zoneinfo,
    locale: user.locale,
    updated_at: Math.floor(user.updated_at.getTime() / 1000),
    email: user.email,
    email_verified: user.email ? user.email_verified : null,
    phone_number: user.phone_number,
    phone_number_verified: user.phone_number ? user.phone_number_verified : null,
    address: user.address,
    roles,
  };
  // Absent claims are omitted rather than sent as null (OIDC Core §5.3.2).
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== null && value !== undefined));
}
