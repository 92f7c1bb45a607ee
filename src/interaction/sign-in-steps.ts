import type { Context } from 'koa';
import type { AuthMethod } from '../mfa/strength.ts';
import { createSignedValues } from '../secrets/signed-cookie.ts';

/**
 * Between the steps of one sign-in: which account proved which factors so far in which interaction. Kept in a
 * signed cookie (HMAC under a key derived from the master secret) scoped to that interaction's path, so any node
 * reads it and it is worth nothing outside the interaction, which ends when the sign-in does.
 */
export interface SignInProgress {
  uid: string;
  userId: string;
  methods: AuthMethod[];
  /** A passkey was the first factor: it ends the sign-in by itself, counting as two factors when it verified its user. */
  passkey?: { userVerified: boolean };
  /** How the first factor was proved when not by a form: `setup`, the ticket of the first-run setup (src/interaction/setup-sign-in.service.ts). */
  via?: 'setup';
  /** Set once the second factor was added during this sign-in (enrolment), when only the recovery codes remain to show. */
  complete?: boolean;
}

export interface SignInSteps {
  read(ctx: Context, uid: string): SignInProgress | undefined;
  save(ctx: Context, progress: SignInProgress): void;
  clear(ctx: Context, uid: string): void;
}

const cookieName = 'sesame.sign-in';
const ttlSeconds = 900;

export function createSignInSteps(masterSecret: string, options: { secure: boolean }): SignInSteps {
  const signed = createSignedValues(masterSecret, 'sesame/sign-in-steps/v1');
  const set = (ctx: Context, uid: string, value: string | null) => ctx.cookies.set(cookieName, value, {
    path: `/interaction/${uid}`, httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: ttlSeconds * 1000, overwrite: true, signed: false,
  });
  return {
    read(ctx, uid) {
      const value = signed.verify<SignInProgress>(ctx.cookies.get(cookieName));
      return value?.uid === uid && typeof value.userId === 'string' && Array.isArray(value.methods) ? value : undefined;
    },
    save(ctx, progress) {
      set(ctx, progress.uid, signed.sign(progress, ttlSeconds));
    },
    clear(ctx, uid) {
      set(ctx, uid, null);
    },
  };
}
