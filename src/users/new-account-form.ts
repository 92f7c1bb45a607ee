import type { Translate } from '../i18n/locale.ts';
import { canonicalEmail, canonicalUsername } from './identifier.ts';
import { newUserSchema } from './user.service.ts';

export interface NewAccountForm {
  username: string;
  email: string;
  password: string;
}

/**
 * Reads the username, email and password a person typed to create an account (sign-up, first admin), with
 * the same rules as createUser, as words for that person. Nothing typed is echoed back but the username and
 * email, which the page escapes.
 */
export function readNewAccountForm(body: Record<string, unknown>, t: Translate): { form: NewAccountForm; error?: string } {
  const text = (name: string, max: number) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, max) : '');
  const form = { username: text('username', 128).trim(), email: text('email', 320).trim(), password: text('password', 1024) };
  const shape = newUserSchema.shape;
  const problems = [
    // The rules createUser applies (src/users/identifier.ts): no invisible, bidi or control characters, no symbols.
    shape.username.safeParse(form.username).success && !canonicalUsername(form.username).refused ? undefined : t('signUp.invalidUsername'),
    !form.email || (shape.email.safeParse(form.email).success && !canonicalEmail(form.email).refused) ? undefined : t('signUp.invalidEmail'),
    shape.password.safeParse(form.password).success ? undefined : t('signUp.weakPassword'),
  ].filter(Boolean);
  return { form, error: problems.length ? problems.join(' ') : undefined };
}
