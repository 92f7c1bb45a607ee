import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** The data folder's mode: its owner only. */
export const privateFolderMode = 0o700;

export type PrivateFolderResult =
  | { changed: false }
  | { changed: true; from: number; to: number }
  | { changed: false; failed: NodeJS.ErrnoException; mode: number };

/**
 * Creates `dir` for its owner alone, or takes group and other users' access away from one that exists.
 *
 * The data folder holds the master secret and the embedded database, whose files PGlite writes readable and writable
 * by everyone (mode 666, whatever the umask); only the folder around them keeps other users of the machine from
 * reading password hashes and sessions, or rewriting a table. Folders made by Sesame before this were 755.
 */
export function keepFolderPrivate(dir: string): PrivateFolderResult {
  mkdirSync(dir, { recursive: true, mode: privateFolderMode });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return { changed: false };
  try {
    chmodSync(dir, mode & privateFolderMode);
    return { changed: true, from: mode, to: mode & privateFolderMode };
  } catch (error) {
    return { changed: false, failed: error as NodeJS.ErrnoException, mode };
  }
}
