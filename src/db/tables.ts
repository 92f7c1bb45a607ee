import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AppOrigin, AppStatus, AppType } from '../apps/app-types.ts';
import type { RegistrationMode } from '../registration/registration-modes.ts';

/** Set by the database on insert unless given. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb: read as a value, written as JSON text. */
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;
/** jsonb with a default: may be left out when inserting. */
type DefaultedJson<T> = ColumnType<T, string | undefined, string>;

export interface Address {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

export interface UsersTable {
  id: string;
  /** As the person typed it (NFC); shown, never compared. */
  username: string;
  /** What usernames are compared by (src/users/identifier.ts): unique, but for the duplicates below. */
  username_key: string;
  /**
   * 0, but for accounts the canonical-identities migration found sharing a key with an older one (1, 2… by age):
   * they keep working, and no new account can join them. Back to 0 when the account takes a name of its own.
   */
  username_key_duplicate: Generated<number>;
  email: string | null;
  email_key: string | null;
  email_key_duplicate: Generated<number>;
  email_verified: Generated<boolean>;
  password_hash: string | null;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  middle_name: string | null;
  nickname: string | null;
  picture: string | null;
  website: string | null;
  profile: string | null;
  gender: string | null;
  birthdate: string | null;
  zoneinfo: string | null;
  locale: string | null;
  phone_number: string | null;
  phone_number_verified: Generated<boolean>;
  address: NullableJson<Address>;
  is_admin: Generated<boolean>;
  suspended: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type { AppOrigin, AppStatus, AppType };

export interface ApplicationsTable {
  id: string;
  name: string;
  description: string | null;
  type: AppType;
  third_party: Generated<boolean>;
  redirect_uris: Json<string[]>;
  post_logout_redirect_uris: Json<string[]>;
  cors_origins: Json<string[]>;
  refresh_token_ttl_days: Generated<number>;
  rotate_refresh_token: Generated<boolean>;
  /** May hold the Management API's scope: an m2m app itself, an interactive app for its admin users. */
  management_access: Generated<boolean>;
  /** Consent-screen branding of a third-party app. */
  display_name: string | null;
  logo_url: string | null;
  logo_dark_url: string | null;
  terms_url: string | null;
  privacy_url: string | null;
  /** OpenID Connect Back-Channel Logout 1.0: where logout tokens are posted, and whether they carry `sid`. */
  backchannel_logout_uri: string | null;
  backchannel_logout_session_required: Generated<boolean>;
  /** RFC 9449 §5.2: every access token request must carry a DPoP proof. */
  dpop_bound_access_tokens: Generated<boolean>;
  /** The API resource (its indicator) a request that names none is for. */
  default_resource: string | null;
  /** May use the device authorization grant (RFC 8628). */
  device_flow: Generated<boolean>;
  /** Its access tokens' lifetime (seconds); null for the default (SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL or SESAME_ACCESS_TOKEN_TTL). */
  access_token_ttl: number | null;
  /** Whether its consent screen offers *for this time only*, *for 30 days*, *until I revoke*; null: SESAME_CONSENT_DURATIONS. */
  consent_durations: boolean | null;
  /** A third-party app's consent policy (src/consents/consent-policy.ts). */
  consent_policy: Generated<'ask' | 'remember' | 'preapproved'>;
  /** Permissions an admin pre-approved for every user, as consent-screen values (`profile`, `INDICATOR SCOPE`). */
  preapproved_scopes: DefaultedJson<string[]>;
  /** Who made it (src/registration/): an admin, dynamic registration (RFC 7591), or a client ID metadata document. */
  origin: Generated<AppOrigin>;
  /** Only an approved app signs anyone in; admin-made apps are approved. */
  status: Generated<AppStatus>;
  /** When it was last used (recorded at most hourly): unused dynamic apps are removed. */
  last_used_at: NullableTimestamp;
  /** The address a dynamic app registered from: what the per-address cap counts. */
  registered_ip: string | null;
  /** SHA-256 of the registered metadata: the same client registering again gets its entry back. */
  metadata_fingerprint: string | null;
  /** RFC 7591 `software_id`, as registered. */
  software_id: string | null;
  /** The domain an admin checked belongs to the app's publisher: the consent screen's *Verified* badge. */
  verified_domain: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** When a device code was last polled, and the interval its device must keep (RFC 8628 §3.5 `slow_down`). */
export interface DeviceCodePollsTable {
  code_hash: string;
  last_polled_at: Generated<Timestamp>;
  interval_seconds: number;
  /** Whether the last poll came too soon. */
  slowed: Generated<boolean>;
  expires_at: Timestamp;
}

/** The admin's policy for apps that arrive by themselves (src/registration/); one row. */
export interface RegistrationSettingsTable {
  id: Generated<boolean>;
  dcr: Generated<RegistrationMode>;
  cimd: Generated<RegistrationMode>;
  /** Domains (each with its subdomains) a dynamic app's redirect hosts or metadata URL must be on; empty: any. */
  allowed_domains: DefaultedJson<string[]>;
  initial_access_token_required: Generated<boolean>;
  max_apps_per_ip: Generated<number>;
  max_dynamic_apps: Generated<number>;
  unused_app_days: Generated<number>;
  /** User data scopes put on a new dynamic app's allowlist. */
  default_user_scopes: DefaultedJson<UserDataScope[]>;
  /** API resource scopes (indicator and scope name) put on a new dynamic app's allowlist. */
  default_resource_scopes: DefaultedJson<{ indicator: string; scope: string }[]>;
  updated_at: Timestamp;
}

/** Initial access tokens for dynamic registration (RFC 7591 §3); only the SHA-256 of each is kept. */
export interface RegistrationTokensTable {
  id: string;
  token_hash: string;
  name: string;
  expires_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ApplicationSecretsTable {
  id: string;
  application_id: string;
  name: string;
  /** SHA-256 of the secret: generated secrets carry 256 bits of entropy, so a fast hash is enough. */
  secret_hash: string;
  last_chars: string;
  expires_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface OidcModelsTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** The app and the user an artifact belongs to, written by the adapter: what revocation filters on. */
  client_id: string | null;
  account_id: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
}

export interface KeysTable {
  kid: string;
  use: 'sig' | 'cookie';
  alg: string;
  public_jwk: NullableJson<Record<string, unknown>>;
  /** The private JWK or cookie secret as a compact JWE (dir + A256GCM) under the master secret. */
  private_jwe: string;
  status: 'active' | 'retired';
  created_at: Timestamp;
  retired_at: NullableTimestamp;
}

export interface ApiResourcesTable {
  id: string;
  name: string;
  /** RFC 8707 resource indicator: an absolute URI, the `aud` of its access tokens. */
  indicator: string;
  access_token_ttl: number | null;
  /** `jwt`: checked by the resource server alone until it expires; `opaque`: checked at introspection, ends at revocation. */
  access_token_format: Generated<AccessTokenFormat>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type AccessTokenFormat = 'jwt' | 'opaque';

export interface ApiResourceScopesTable {
  id: string;
  resource_id: string;
  name: string;
  description: Generated<string>;
  /** The description by language (`{ "fr": "…" }`), for the languages Sesame's pages ship. */
  description_translations: DefaultedJson<Record<string, string>>;
  created_at: Timestamp;
}

export interface RolesTable {
  id: string;
  name: string;
  description: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoleScopesTable {
  role_id: string;
  scope_id: string;
}

export interface UserRolesTable {
  user_id: string;
  role_id: string;
  created_at: Timestamp;
}

export type UserDataScope = 'profile' | 'email' | 'phone' | 'address' | 'roles';

export interface ApplicationUserScopesTable {
  application_id: string;
  scope: UserDataScope;
}

export interface ApplicationResourceScopesTable {
  application_id: string;
  scope_id: string;
}

export interface AuditEventsTable {
  id: string;
  type: string;
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

/** A block in force (src/throttle/): who may not try a secret again until when, and why. */
export interface ThrottleBlocksTable {
  /** The policy and the hash of what it counts (account key, IP, device, client). */
  key: string;
  policy: string;
  /** What was typed, in canonical form (src/throttle/account-key.ts); shown to admins only. */
  account_key: string | null;
  /** The user the account key named when the block started, if any. */
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  failures: number;
  blocked_until: Date;
  created_at: Generated<Date>;
}

/** The sign-in experience: one row, read by every node (src/sign-in-experience). */
export interface SignInSettingsTable {
  id: Generated<boolean>;
  product_name: Generated<string>;
  logo_url: string | null;
  logo_dark_url: string | null;
  /** `#rrggbb`, lowercase. */
  primary_color: Generated<string>;
  default_language: Generated<string>;
  self_registration: Generated<boolean>;
  /** Whether a person must have proved their email address before they may sign in. */
  require_verified_email: Generated<boolean>;
  /** Who must have a second factor (src/mfa/mfa-policy.ts). */
  mfa_policy: Generated<'off' | 'optional' | 'admins' | 'everyone'>;
  updated_at: Timestamp;
}

/** One-time links that create the first admin; only the SHA-256 of the token is kept. */
export interface SetupTokensTable {
  token_hash: string;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** One-time tickets that sign the first admin in right after setup; only the SHA-256 of the ticket is kept. */
export interface SetupSignInsTable {
  ticket_hash: string;
  user_id: string;
  expires_at: Timestamp;
}

export type EmailStatus = 'pending' | 'sent' | 'failed' | 'outbox';

/** A message Sesame sends, queued durably (src/email/): retried until sent, or kept as an outbox without SMTP. */
export interface EmailsTable {
  id: string;
  /** What the message is about (src/email/email-kinds.ts). */
  kind: string;
  /** The account it concerns, if any. */
  user_id: string | null;
  recipient: string;
  /** The language it is written in: the one the person used on the page that triggered it. */
  locale: string;
  /** The display name of the sender: the product name of the sign-in experience when it was written. */
  sender_name: string;
  subject: string;
  /** Its plain-text and HTML parts as JSON, sealed under the master secret; dropped once delivered. */
  content: string | null;
  status: EmailStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  /** When it was last put in the queue (an admin may send a failed message again); tries stop a while after. */
  queued_at: Timestamp;
  sent_at: NullableTimestamp;
}

export type EmailTokenPurpose = 'password_reset' | 'email_verification' | 'email_change';

/** A one-time link (and, to verify an address, a code) sent by email; only the link token's SHA-256 is kept. */
export interface EmailTokensTable {
  id: string;
  purpose: EmailTokenPurpose;
  user_id: string;
  /** The address it was sent to: the account's (a reset, a verification) or the one it is changing to. */
  email: string;
  token_hash: string;
  /** The six-digit code of a verification, sealed under the master secret. */
  sealed_code: string | null;
  code_attempts: Generated<number>;
  /** The sign-in the person was in when they asked for it, to go back to. */
  interaction_uid: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

/** A user's authenticator app (RFC 6238): the shared secret sealed under the master secret. */
export interface TotpFactorsTable {
  user_id: string;
  secret_sealed: string;
  /** False while enrolment waits for the first right code. */
  confirmed: Generated<boolean>;
  /** The time step of the last code accepted: that code, and every earlier one, is refused from then on. */
  last_step: number | null;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
}

/** A WebAuthn credential (passkey): its id and public key, as @simplewebauthn/server verified them. */
export interface PasskeysTable {
  /** The credential ID, base64url. */
  id: string;
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  /** A uint32: read back as a number, string or bigint depending on the driver. */
  counter: ColumnType<number | string | bigint, number | undefined, number>;
  transports: Json<string[]>;
  device_type: string;
  backed_up: boolean;
  aaguid: string;
  name: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

/** One-time recovery codes: an HMAC of each, under a key derived from the master secret. */
export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

/** A WebAuthn challenge a response answered (src/passkeys/webauthn-challenge.ts), for one purpose and one interaction or account session: kept until it expires, so it is answered once. */
export interface WebauthnChallengesTable {
  challenge: string;
  purpose: string;
  subject: string;
  expires_at: Date;
}

/** What a person recognises a Sesame session by (src/sessions/), keyed by the oidc-provider Session's `uid`. */
export interface SessionActivityTable {
  session_uid: string;
  account_id: string;
  user_agent: string | null;
  ip: string | null;
  signed_in_at: Timestamp;
  last_active_at: Timestamp;
}

export type LogoutNotificationStatus = 'pending' | 'delivered' | 'failed';

/** A back-channel logout token to deliver to an app (src/logout/), retried with back-off until it is accepted. */
export interface LogoutNotificationsTable {
  id: string;
  client_id: string;
  account_id: string;
  /** The session's id at that app, when the app asked for it (backchannel_logout_session_required). */
  sid: string | null;
  /** Why the session ended (src/sessions/session-end-reasons.ts). */
  reason: string;
  status: Generated<LogoutNotificationStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
}

/** When an app last used a person's access (token issued or refreshed, userinfo read), and the APIs it asked for. */
export interface AppAccessUsesTable {
  user_id: string;
  client_id: string;
  last_used_at: Timestamp;
  resources: DefaultedJson<string[]>;
}

/** What a user allowed a third-party app (src/consents/): oidc-provider's Grants are derived from it. */
export interface ConsentsTable {
  id: string;
  user_id: string;
  client_id: string;
  /** Granted OpenID Connect scopes, space-separated. */
  scopes: Generated<string>;
  claims: DefaultedJson<string[]>;
  /** Granted API resource scopes: indicator to space-separated scopes. */
  resource_scopes: DefaultedJson<Record<string, string>>;
  /** Who decided: the person on the consent screen, or an admin for everyone. */
  source: Generated<'person' | 'admin'>;
  granted_at: Timestamp;
  updated_at: Timestamp;
  expires_at: NullableTimestamp;
}

export interface Database {
  users: UsersTable;
  applications: ApplicationsTable;
  application_secrets: ApplicationSecretsTable;
  oidc_models: OidcModelsTable;
  keys: KeysTable;
  api_resources: ApiResourcesTable;
  api_resource_scopes: ApiResourceScopesTable;
  roles: RolesTable;
  role_scopes: RoleScopesTable;
  user_roles: UserRolesTable;
  application_user_scopes: ApplicationUserScopesTable;
  application_resource_scopes: ApplicationResourceScopesTable;
  audit_events: AuditEventsTable;
  sign_in_settings: SignInSettingsTable;
  setup_tokens: SetupTokensTable;
  setup_sign_ins: SetupSignInsTable;
  throttle_blocks: ThrottleBlocksTable;
  emails: EmailsTable;
  email_tokens: EmailTokensTable;
  totp_factors: TotpFactorsTable;
  passkeys: PasskeysTable;
  recovery_codes: RecoveryCodesTable;
  webauthn_challenges: WebauthnChallengesTable;
  session_activity: SessionActivityTable;
  logout_notifications: LogoutNotificationsTable;
  device_code_polls: DeviceCodePollsTable;
  app_access_uses: AppAccessUsesTable;
  consents: ConsentsTable;
  registration_settings: RegistrationSettingsTable;
  registration_tokens: RegistrationTokensTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Application = Selectable<ApplicationsTable>;
export type NewApplication = Insertable<ApplicationsTable>;
export type ApplicationUpdate = Updateable<ApplicationsTable>;
export type ApplicationSecret = Selectable<ApplicationSecretsTable>;
export type KeyRow = Selectable<KeysTable>;
