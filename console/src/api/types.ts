import type { z } from 'zod';
import type { AppType } from '../../../src/apps/app-types.ts';
import type { guideSchema } from '../../../src/apps/guide/guide.schema.ts';
import type {
  applicationSchema, createdApplicationSchema, createdSecretSchema, endpointsSchema, secretSchema,
} from '../../../src/management/applications/application.schema.ts';
import type { AuditEventType } from '../../../src/audit/audit.repository.ts';
import type { auditEventSchema } from '../../../src/management/audit/audit.schema.ts';
import type { pageSchema } from '../../../src/management/common.schema.ts';
import type { userGrantSchema } from '../../../src/management/grants/grant.schema.ts';
import type { lockoutSchema } from '../../../src/management/lockouts/lockout.schema.ts';
import type { brandingSchema, permissionsSchema } from '../../../src/management/permissions/permission.schema.ts';
import type { resourceSchema, resourceScopeSchema, scopeWithResourceSchema } from '../../../src/management/resources/resource.schema.ts';
import type { roleMemberSchema, roleSchema, userRoleSchema } from '../../../src/management/roles/role.schema.ts';
import type { signInExperienceSchema } from '../../../src/management/sign-in-experience/sign-in-experience.schema.ts';
import type { emailDeliverySchema, emailSchema, emailWithContentSchema } from '../../../src/management/emails/email.schema.ts';
import type { userSchema } from '../../../src/management/users/user.schema.ts';
import type { userFactorsSchema } from '../../../src/management/users/user-factors.schema.ts';

/**
 * Management API shapes the console uses, inferred from the server's schema modules
 * (src/apps/app.schema.ts, src/management/<domain>/<domain>.schema.ts): the API's responses are what those
 * schemas output, so the console cannot drift from them. `npm run typecheck` checks both sides.
 */

type Api<S extends z.ZodType> = z.output<S>;

export type { AppType };

export type Page<T> = { data: T[] } & Api<z.ZodObject<typeof pageSchema>>;

export type Application = Api<typeof applicationSchema>;
export type CreatedApplication = Api<typeof createdApplicationSchema>;
export type ClientSecret = Api<typeof secretSchema>;
export type CreatedSecret = Api<typeof createdSecretSchema>;
export type Endpoints = Api<typeof endpointsSchema>;
/** An app's integration guide (src/apps/guide/). */
export type Guide = Api<typeof guideSchema>;

export type Permissions = Api<typeof permissionsSchema>;
export type UserDataScope = Permissions['user_scopes'][number];
export type ScopeWithResource = Api<typeof scopeWithResourceSchema>;
export type Branding = Api<typeof brandingSchema>;

export type User = Api<typeof userSchema>;
/** A block in force (src/throttle/). */
export type Lockout = Api<typeof lockoutSchema>;
export type UserGrant = Api<typeof userGrantSchema>;
/** Second factors and passkeys (src/mfa/). */
export type UserFactors = Api<typeof userFactorsSchema>;

export type ResourceScope = Api<typeof resourceScopeSchema>;
export type ApiResource = Api<typeof resourceSchema>;

export type Role = Api<typeof roleSchema>;
export type UserRole = Api<typeof userRoleSchema>;
export type RoleMember = Api<typeof roleMemberSchema>;

export type SignInExperience = Api<typeof signInExperienceSchema>;

export type AuditEvent = Api<typeof auditEventSchema>;
export type { AuditEventType };

/** A message Sesame wrote (src/email/), with its content while kept; how email is delivered. */
export type Email = Api<typeof emailSchema>;
export type EmailWithContent = Api<typeof emailWithContentSchema>;
export type EmailDelivery = Api<typeof emailDeliverySchema>;

/** A third-party app's consent policy and admin consent (GET /applications/{id}/consent). */
export type ConsentPolicy = 'ask' | 'remember' | 'preapproved';
export interface ConsentSettings { policy: ConsentPolicy; preapproved: string[] }
export interface ConsentReport {
  client_id: string;
  name: string;
  policy: ConsentPolicy;
  users: number;
  permissions: { permission: string; resource: string | null; scope: string; description: string | null; users: number; preapproved: boolean }[];
}
