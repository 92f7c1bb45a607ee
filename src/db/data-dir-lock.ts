import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { privateFolderMode } from './private-folder.ts';

/**
 * The embedded database may be opened by one process at a time. The lock file holds the owner's pid;
 * a lock whose process is gone (after kill -9, say) is stale and taken over.
 */
export interface DataDirLock {
  release(): void;
}

export type LockResult = { acquired: true; lock: DataDirLock } | { acquired: false; ownerPid: number };

export function lockDataDir(dataDir: string): LockResult {
  mkdirSync(dataDir, { recursive: true, mode: privateFolderMode });
  const file = path.join(dataDir, 'sesame.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        acquired: true,
        lock: {
          release() {
            if (released) return;
            released = true;
            if (readOwner(file) === process.pid) rmSync(file, { force: true });
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) return { acquired: false, ownerPid: owner };
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${file}`);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
