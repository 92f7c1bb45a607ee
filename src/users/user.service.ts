import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { User } from '../db/tables.ts';
import { newId } from '../ids.ts';
import { hashPassword } from './password.ts';
import { insertUser } from './user.repository.ts';
import { isUniqueViolation, ServiceError } from '../errors.ts';

export const newUserSchema = z.object({
  username: z.string().trim().min(1).max(128).regex(/^[^\s@]+$/, 'may not contain spaces or @'),
  password: z.string().min(8, 'must be at least 8 characters').max(1024),
  email: z.email().max(320).optional(),
  name: z.string().trim().min(1).max(256).optional(),
  admin: z.boolean().optional(),
});
export type NewUserInput = z.input<typeof newUserSchema>;

export async function createUser(db: Db, input: NewUserInput): Promise<User> {
  const data = newUserSchema.parse(input);
  try {
    return await insertUser(db, {
      id: newId('u_'),
      username: data.username,
      email: data.email ?? null,
      name: data.name ?? null,
      password_hash: await hashPassword(data.password),
      is_admin: data.admin ?? false,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ServiceError('user.exists', 'a user with this username or email already exists', 409);
    throw error;
  }
}

/** What the CLI and API show of a user: never the password hash. */
export function publicUser(user: User) {
  const { password_hash: _hash, ...rest } = user;
  return rest;
}
