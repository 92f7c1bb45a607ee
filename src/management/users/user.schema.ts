import { z } from 'zod';
import type { User } from '../../db/tables.ts';
import { newUserSchema, passwordSchema, publicUser, userChangesSchema } from '../../users/user.service.ts';
import { booleanText, idParam, pageQuery, pageSchema, searchText, timestamp } from '../common.schema.ts';

/** Management API shapes of users: the standard OIDC claim names; never the password hash. */

const nullableText = z.string().nullable();

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: nullableText,
  email_verified: z.boolean(),
  name: nullableText,
  given_name: nullableText,
  family_name: nullableText,
  middle_name: nullableText,
  nickname: nullableText,
  picture: nullableText,
  website: nullableText,
  profile: nullableText,
  gender: nullableText,
  birthdate: nullableText,
  zoneinfo: nullableText,
  locale: nullableText,
  phone_number: nullableText,
  phone_number_verified: z.boolean(),
  address: z.object({
    formatted: z.string().optional(),
    street_address: z.string().optional(),
    locality: z.string().optional(),
    region: z.string().optional(),
    postal_code: z.string().optional(),
    country: z.string().optional(),
  }).nullable(),
  is_admin: z.boolean(),
  suspended: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: 'User' });

export function toApiUser(user: User): z.input<typeof userSchema> {
  const { created_at, updated_at, ...rest } = publicUser(user);
  return { ...rest, created_at: created_at.toISOString(), updated_at: updated_at.toISOString() };
}

export const userParams = z.object({ id: idParam('User ID') });

export const newUserBody = z.strictObject({
  username: newUserSchema.shape.username,
  password: passwordSchema,
  email: newUserSchema.shape.email,
  name: newUserSchema.shape.name,
  is_admin: newUserSchema.shape.admin,
});

export const userChangesBody = userChangesSchema.strict();

export const passwordBody = z.strictObject({ password: passwordSchema });

export const userListQuery = z.object({
  ...pageQuery,
  q: searchText('Substring of the username, email or name (case-insensitive)'),
  suspended: booleanText.meta({ title: 'Suspended' }).optional(),
  is_admin: booleanText.meta({ title: 'Admin' }).optional(),
});

export const userListSchema = z.object({ data: z.array(userSchema), ...pageSchema });
