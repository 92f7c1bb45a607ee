import { z } from 'zod';
import { roleFields, type Role } from '../../roles/role.service.ts';
import { idParam, offsetPageQuery, pageQuery, pageSchema, searchText, timestamp } from '../common.schema.ts';
import { scopeWithResourceSchema, toApiScopeWithResource } from '../resources/resource.schema.ts';
import { userSchema } from '../users/user.schema.ts';

/** Management API shapes of roles: named sets of API resource scopes, assigned to users. */

const ids = (list: 'scope_ids' | 'user_ids' | 'role_ids', what: string) => roleFields[list].min(1).describe(what);

export const roleScopeSchema = scopeWithResourceSchema.meta({ id: 'RoleScope' });

export const roleSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  scopes: z.array(roleScopeSchema),
  user_count: z.number().int().describe('How many users hold it'),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: 'Role' });

export function toApiRole(role: Role): z.input<typeof roleSchema> {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    scopes: role.scopes.map(toApiScopeWithResource),
    user_count: role.user_count,
    created_at: role.created_at.toISOString(),
    updated_at: role.updated_at.toISOString(),
  };
}

export const roleParams = z.object({ id: idParam('Role ID') });
export const roleScopeParams = roleParams.extend({ scopeId: idParam('Scope ID') });
export const roleUserParams = roleParams.extend({ userId: idParam('User ID') });
export const userRoleParams = z.object({ id: idParam('User ID'), roleId: idParam('Role ID') });

export const newRoleBody = z.strictObject({
  name: roleFields.name.describe('Unique, ignoring case'),
  description: roleFields.description.default(''),
  scope_ids: roleFields.scope_ids.default([]).describe('API resource scopes the role gives'),
});

export const roleChangesBody = z.strictObject({
  name: roleFields.name.optional(),
  description: roleFields.description.optional(),
});

export const roleScopesBody = z.strictObject({ scope_ids: ids('scope_ids', 'API resource scope ids to add') });
export const roleUsersBody = z.strictObject({ user_ids: ids('user_ids', 'User ids to give the role to') });
export const userRolesBody = z.strictObject({ role_ids: ids('role_ids', 'Role ids to give the user') });

export const roleListQuery = z.object({
  ...pageQuery,
  q: searchText('Substring of the name or description (case-insensitive)'),
});
export const roleListSchema = z.object({ data: z.array(roleSchema), ...pageSchema });

export const memberListQuery = z.object(offsetPageQuery);
export const roleMemberSchema = userSchema.extend({ assigned_at: timestamp }).meta({ id: 'RoleMember' });
export const roleMemberListSchema = z.object({ data: z.array(roleMemberSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

export const userRoleSchema = roleSchema.extend({ assigned_at: timestamp }).meta({ id: 'UserRole' });
