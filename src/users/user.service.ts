import { z } from 'zod';
import { endConsentsOfUser } from '../consents/consent.service.ts';
import type { Db } from '../db/database.ts';
import type { User, UserUpdate } from '../db/tables.ts';
import { newId } from '../ids.ts';
import type { PageRequest } from '../pagination.ts';
import { hashPassword } from './password.ts';
import {
  countActiveAdmins, deleteUserRow, findUserById, insertUser, isKeyHeldByDuplicate, queryUsers, revokeUserArtifacts,
  updateUser, type UserFilter,
} from './user.repository.ts';
import { assertThat, isUniqueViolation, ServiceError } from '../errors.ts';
import { canonicalEmail, canonicalUsername, displayForm, refusalMessages } from './identifier.ts';
import { endAccountSessions } from '../sessions/session.service.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { issueProblem } from '../validation/issue-problem.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';

// Unicode white space (JS's \s would also take U+FEFF, which identifier.ts refuses as invisible, with its own code).
const username = z.string().trim().min(1).max(128).regex(/^[^\p{White_Space}@]+$/u, 'must not contain spaces or @').meta({ title: 'Username' });
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(1024).meta({ title: 'Password' });
const email = z.email().max(320).meta({ title: 'Email' });
const isAdmin = z.boolean().meta({ title: 'Admin' });

export const newUserSchema = z.object({
  username,
  password: passwordSchema,
  email: email.optional(),
  name: z.string().trim().min(1).max(256).meta({ title: 'Name' }).optional(),
  admin: isAdmin.optional(),
});
export type NewUserInput = z.input<typeof newUserSchema>;

const text = (title: string, max = 256) => z.string().trim().max(max).meta({ title }).nullable().optional();
const url = (title: string) => z.url({ protocol: /^https?$/, error: 'must be a web address starting with https:// or http://' }).max(2048).meta({ title }).nullable().optional();
const addressPart = (title: string, max: number) => z.string().max(max).meta({ title }).optional();

/** Profile fields an admin may change: the standard OIDC claims (Core §5.1), plus username and admin flag. */
export const userChangesSchema = z.object({
  username: username.optional(),
  email: email.nullable().optional(),
  email_verified: z.boolean().meta({ title: 'Email verified' }).optional(),
  name: text('Name'),
  given_name: text('Given name'),
  family_name: text('Family name'),
  middle_name: text('Middle name'),
  nickname: text('Nickname'),
  picture: url('Picture URL'),
  website: url('Website'),
  profile: url('Profile page URL'),
  gender: text('Gender', 64),
  birthdate: z.string().regex(/^(\d{4}|0000)(-\d{2}-\d{2})?$/, 'must be a date like 1990-04-23, or a year like 1990').meta({ title: 'Birthdate' }).nullable().optional(),
  zoneinfo: text('Time zone', 64),
  locale: z.string().regex(/^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$/, 'must be a language tag like en-US').meta({ title: 'Locale' }).nullable().optional(),
  phone_number: z.string().regex(/^\+?[0-9 ().-]{3,32}$/, 'must be a phone number like +1 555 0100').meta({ title: 'Phone number' }).nullable().optional(),
  phone_number_verified: z.boolean().meta({ title: 'Phone number verified' }).optional(),
  address: z.object({
    formatted: addressPart('Address', 512),
    street_address: addressPart('Street address', 256),
    locality: addressPart('City or locality', 128),
    region: addressPart('Region', 128),
    postal_code: addressPart('Postal code', 32),
    country: addressPart('Country', 128),
  }).meta({ title: 'Address' }).nullable().optional(),
  is_admin: isAdmin.optional(),
});
export type UserChanges = z.input<typeof userChangesSchema>;

const notFound = (id: string) => new ServiceError('user.not_found', `no user with id ${JSON.stringify(id)}`, 404);
const exists = () => new ServiceError('user.exists', 'a user with this username or email already exists', 409);

/** The canonical key of a username or email (src/users/identifier.ts); `user.invalid_*` when the rules refuse it. */
function keyOf(field: 'username' | 'email', value: string): string {
  const canonical = field === 'username' ? canonicalUsername(value) : canonicalEmail(value);
  assertThat(canonical.key !== undefined, () => {
    const detail = sentence(fieldLabel(newUserSchema, [field]), refusalMessages[canonical.refused!]);
    return new ServiceError(`user.invalid_${field}`, detail, 422, [{ pointer: `/${field}`, detail }]);
  });
  return canonical.key;
}

/** Keys are unique by index, but for accounts an old collision left in place, which are checked here. */
async function assertKeysFree(db: Db, keys: { usernameKey?: string | null; emailKey?: string | null }, exceptId?: string) {
  assertThat(!(await isKeyHeldByDuplicate(db, keys, exceptId)), exists);
}

export async function createUser(db: Db, input: NewUserInput): Promise<User> {
  const data = parseInput(newUserSchema, input);
  const usernameKey = keyOf('username', data.username);
  const emailKey = data.email === undefined ? null : keyOf('email', data.email);
  await assertKeysFree(db, { usernameKey, emailKey });
  try {
    return await insertUser(db, {
      id: newId('u_'),
      // Shown as typed; compared only by key.
      username: displayForm(data.username),
      username_key: usernameKey,
      email: data.email === undefined ? null : displayForm(data.email),
      email_key: emailKey,
      name: data.name ?? null,
      password_hash: await hashPassword(data.password),
      is_admin: data.admin ?? false,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw exists();
    throw error;
  }
}

/** What the CLI and API show of a user: never the password hash, nor the keys it is compared by. */
export function publicUser(user: User) {
  const {
    password_hash: _hash, username_key: _usernameKey, username_key_duplicate: _usernameDuplicate,
    email_key: _emailKey, email_key_duplicate: _emailDuplicate, ...rest
  } = user;
  return rest;
}

export async function getUser(db: Db, id: string): Promise<User> {
  const user = await findUserById(db, id);
  assertThat(user, () => notFound(id));
  return user;
}

export async function listUsers(db: Db, filter: UserFilter, page: PageRequest) {
  const { rows, total, nextCursor } = await queryUsers(db, filter, page);
  return { users: rows, total, nextCursor };
}

/** The last active admin cannot be demoted, suspended or deleted: someone must be able to run the console. */
async function assertNotLastAdmin(db: Db, user: User, action: string): Promise<void> {
  if (!user.is_admin || user.suspended) return;
  assertThat(await countActiveAdmins(db) > 1, () => new ServiceError('user.last_admin', `cannot ${action} the last active admin`, 409));
}

export async function updateUserProfile(db: Db, id: string, input: UserChanges): Promise<User> {
  const changes = parseInput(userChangesSchema, input);
  const user = await getUser(db, id);
  if (changes.is_admin === false) await assertNotLastAdmin(db, user, 'demote');
  const { address, email, username, ...rest } = changes;
  const update: UserUpdate = {
    ...rest,
    ...(address !== undefined ? { address: address === null ? null : JSON.stringify(address) } : {}),
    // A new email address is unverified unless the same request says otherwise.
    ...(email !== undefined ? { email: email === null ? null : displayForm(email), email_verified: changes.email_verified ?? (email === user.email ? user.email_verified : false) } : {}),
  };
  if (username !== undefined) {
    const key = keyOf('username', username);
    update.username = displayForm(username);
    // A new key is an ordinary one, even for an account an old collision had numbered.
    if (key !== user.username_key) Object.assign(update, { username_key: key, username_key_duplicate: 0 });
  }
  if (email !== undefined) {
    const key = email === null ? null : keyOf('email', email);
    if (key !== user.email_key) Object.assign(update, { email_key: key, email_key_duplicate: 0 });
  }
  await assertKeysFree(db, { usernameKey: update.username_key, emailKey: update.email_key }, id);
  try {
    const updated = await updateUser(db, id, update);
    assertThat(updated, () => notFound(id));
    return updated;
  } catch (error) {
    if (isUniqueViolation(error)) throw exists();
    throw error;
  }
}

/**
 * A suspended user cannot sign in; their sessions, grants and tokens end at once, and the apps of their sessions
 * are told (back-channel logout).
 */
export async function suspendUser(db: Db, id: string): Promise<User> {
  const user = await getUser(db, id);
  await assertNotLastAdmin(db, user, 'suspend');
  const updated = await db.transaction().execute(async (trx) => {
    await endAccountSessions(trx, id, { reason: 'suspended', by: 'admin' });
    await endConsentsOfUser(trx, id, { by: 'admin', reason: 'suspended' });
    await revokeUserArtifacts(trx, id);
    return updateUser(trx, id, { suspended: true });
  });
  assertThat(updated, () => notFound(id));
  return updated;
}

export async function unsuspendUser(db: Db, id: string): Promise<User> {
  await getUser(db, id);
  const updated = await updateUser(db, id, { suspended: false });
  assertThat(updated, () => notFound(id));
  return updated;
}

export async function deleteUser(db: Db, id: string): Promise<void> {
  const user = await getUser(db, id);
  await assertNotLastAdmin(db, user, 'delete');
  const deleted = await db.transaction().execute(async (trx) => {
    await endAccountSessions(trx, id, { reason: 'deleted', by: 'admin' });
    await endConsentsOfUser(trx, id, { by: 'admin', reason: 'deleted' });
    await revokeUserArtifacts(trx, id);
    return deleteUserRow(trx, id);
  });
  assertThat(deleted, () => notFound(id));
}

/**
 * Sets a new password; the user's sessions and tokens end, as after any credential reset, and the apps of those
 * sessions are told. Remembered consent stays: it is the person's decision, not a credential.
 */
export async function setUserPassword(db: Db, id: string, password: string): Promise<void> {
  const parsed = passwordSchema.safeParse(password, { error: issueProblem });
  const detail = sentence(fieldLabel(passwordSchema, []), parsed.error?.issues[0]?.message ?? 'is not valid');
  assertThat(parsed.success, () => new ServiceError('user.weak_password', detail, 422, [{ pointer: '/password', detail }]));
  await getUser(db, id);
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    await endAccountSessions(trx, id, { reason: 'password_set', by: 'admin', revokeTokens: true });
    await updateUser(trx, id, { password_hash: passwordHash });
  });
}
