import { chmodSync, statSync } from 'node:fs';

/** The mode of the folders Sesame keeps its secrets in: its owner only. */
export const privateFolderMode = 0o700;

export type PrivateFolderResult =
  | { changed: false }
  | { changed: true; from: number; to: number }
  | { changed: false; failed: NodeJS.ErrnoException; mode: number };

/**
 * Takes group and other users' access away from `dir`, if it is there and has any. For the embedded database's
 * folder: PGlite writes PostgreSQL's files readable and writable by everyone (mode 666, whatever the umask), so the
 * folder around them is what keeps other users of the machine from reading password hashes and sessions, or
 * rewriting a table — PostgreSQL's own rule for its data directory. Sesame made it 755 before.
 */
export function makeFolderPrivate(dir: string): PrivateFolderResult {
  let mode: number;
  try {
    mode = statSync(dir).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { changed: false };
    throw error;
  }
  if ((mode & 0o077) === 0) return { changed: false };
  try {
    chmodSync(dir, mode & privateFolderMode);
    return { changed: true, from: mode, to: mode & privateFolderMode };
  } catch (error) {
    return { changed: false, failed: error as NodeJS.ErrnoException, mode };
  }
}
