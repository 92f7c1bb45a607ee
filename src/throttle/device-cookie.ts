import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { createSignedValues } from '../secrets/signed-cookie.ts';

/**
 * OWASP's device cookie: a browser that signed in to an account gets a signed cookie naming it (HMAC under a key
 * derived from the master secret), and is then exempt from that account's lock (src/throttle/throttle.service.ts).
 * An attacker without the cookie cannot lock the real user out; the cookie never lets anyone skip the password.
 */
export const deviceCookieName = 'sesame.device';
/** Accounts one browser remembers; the oldest is forgotten first. */
const maxAccounts = 10;

interface DeviceValue {
  /** The browser's id: what its own, per-device, limit counts by. */
  d: string;
  /** Users this browser signed in as, newest first. */
  a: string[];
}

export interface DeviceCookies {
  /** The device id, when this browser's cookie proves it signed in as `userId` before. */
  deviceFor(ctx: Context, userId: string | undefined): string | undefined;
  /** After a successful sign-in as `userId`. */
  remember(ctx: Context, userId: string): void;
}

export function createDeviceCookies(masterSecret: string, options: { secure: boolean; ttlSeconds: number }): DeviceCookies {
  const signed = createSignedValues(masterSecret, 'sesame/device-cookie/v1');
  const read = (ctx: Context) => {
    const value = signed.verify<DeviceValue>(ctx.cookies.get(deviceCookieName));
    return value && typeof value.d === 'string' && Array.isArray(value.a) ? value : undefined;
  };
  return {
    deviceFor(ctx, userId) {
      const value = userId ? read(ctx) : undefined;
      return value?.a.includes(userId!) ? value.d : undefined;
    },
    remember(ctx, userId) {
      const previous = read(ctx);
      const value: DeviceValue = {
        d: previous?.d ?? randomBytes(16).toString('base64url'),
        a: [userId, ...(previous?.a ?? []).filter((id) => id !== userId)].slice(0, maxAccounts),
      };
      ctx.cookies.set(deviceCookieName, signed.sign(value, options.ttlSeconds), {
        path: '/interaction', httpOnly: true, sameSite: 'lax', secure: options.secure,
        maxAge: options.ttlSeconds * 1000, overwrite: true, signed: false,
      });
    },
  };
}
