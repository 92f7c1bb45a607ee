import { hash, verify } from '@node-rs/argon2';

/** OWASP's argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane. */
export const argon2Options = {
  algorithm: 2, // Algorithm.Argon2id (a const enum, which type stripping cannot inline)
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

// Verified against when no user matches, so an unknown username costs as much time as a wrong password.
const decoyHash = hash('sesame decoy password', argon2Options);

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    await verify(await decoyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
