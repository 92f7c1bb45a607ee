/** Management API shapes the console uses (src/management/<domain>/<domain>.schema.ts and /api/openapi.json). */

export type AppType = 'traditional' | 'spa' | 'native' | 'm2m';

export interface Page<T> { data: T[]; total: number; limit: number; offset?: number; next_cursor?: string }

export interface Application {
  id: string;
  client_id: string;
  name: string;
  description: string | null;
  type: AppType;
  third_party: boolean;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  cors_origins: string[];
  refresh_token_ttl_days: number;
  rotate_refresh_token: boolean;
  management_access: boolean;
  created_at: string;
  updated_at: string;
}

export interface CreatedApplication extends Application { client_secret?: string }

export interface ClientSecret {
  id: string;
  name: string;
  last_chars: string;
  expires_at: string | null;
  expired: boolean;
  created_at: string;
}

export interface CreatedSecret extends ClientSecret { value: string }

export interface Endpoints {
  issuer: string;
  discovery: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  client_id: string;
}

export type UserDataScope = 'profile' | 'email' | 'phone' | 'address' | 'roles';

export interface ScopeWithResource {
  id: string;
  name: string;
  description: string;
  resource_id: string;
  resource_indicator: string;
  resource_name: string;
}

export interface Permissions {
  user_scopes: UserDataScope[];
  resource_scopes: ScopeWithResource[];
  always_allowed: string[];
}

export interface Branding {
  display_name: string | null;
  logo_url: string | null;
  logo_dark_url: string | null;
  terms_url: string | null;
  privacy_url: string | null;
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  phone_number: string | null;
  picture: string | null;
  locale: string | null;
  is_admin: boolean;
  suspended: boolean;
  created_at: string;
  updated_at: string;
}

/** A block in force (src/management/lockouts/lockout.routes.ts). */
export interface Lockout {
  policy: 'account_ip' | 'account' | 'device' | 'ip' | 'client_ip' | 'setup_ip' | 'sign_up_ip';
  account_key: string | null;
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  failures: number;
  blocked_until: string;
  started_at: string;
}

export interface UserGrant {
  client_id: string;
  application_name: string | null;
  third_party: boolean | null;
  user_scopes: string[];
  resource_scopes: { resource: string; scopes: string[] }[];
  granted_at: string | null;
}

export interface ResourceScope { id: string; resource_id: string; name: string; description: string; created_at: string }

export interface ApiResource {
  id: string;
  name: string;
  indicator: string;
  access_token_ttl: number | null;
  scopes: ResourceScope[];
  created_at: string;
  updated_at: string;
}

export interface Role {
  id: string;
  name: string;
  description: string;
  scopes: ScopeWithResource[];
  user_count: number;
  created_at: string;
  updated_at: string;
}

export interface UserRole extends Role { assigned_at: string }
export interface RoleMember extends User { assigned_at: string }

export interface SignInExperience {
  product_name: string;
  logo_url: string | null;
  logo_dark_url: string | null;
  updated_at: string | null;
  primary_color: string;
  default_language: string;
  self_registration: boolean;
}
