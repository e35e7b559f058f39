/**
 * Who may send a spooled run's records: the process holding its owner lock.
 *
 * The owner lock is `owner.lock` in the run's spool folder, a `withFileLock`
 * lock file (pid, host, token, time) that is held for as long as a process
 * sends the run's records: the live run from the moment its spool is made
 * until everything is acknowledged (or until `end()` gives up waiting), and
 * `odelab sync` while it delivers. So a live run and a sync, or two syncs,
 * never send the same records at once.
 *
 * The lock is never judged stale by age (a run may last days): only a holder
 * that is a dead process on this host loses it, so a crashed run becomes
 * syncable as soon as its process is gone, and a run owned by a process on
 * another host (a spool on a shared home folder) is left to that host.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from './file-lock.ts';

export const OWNER_FILE = 'owner.lock';

/** A held owner lock. */
export interface Ownership {
  /** Give the lock up (a no-op once the folder is gone). */
  release(): Promise<void>;
}

/** The process named in a spool folder's owner lock, if the lock is there and readable. */
export interface OwnerInfo {
  pid: number;
  host: string;
}

export async function readOwner(dir: string): Promise<OwnerInfo | undefined> {
  try {
    const o = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as Partial<OwnerInfo>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Take the owner lock of the spool folder `dir`, breaking it if its holder is
 * a dead process on this host. Resolves to undefined when a live process (or
 * one on another host) holds it after `waitMs`.
 */
export async function takeOwnership(dir: string, waitMs = 0): Promise<Ownership | undefined> {
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  let letGo!: () => void;
  const done = new Promise<void>((r) => (letGo = r));
  const held = withFileLock(
    join(dir, OWNER_FILE),
    () => {
      entered();
      return done;
    },
    { staleMs: Number.POSITIVE_INFINITY, timeoutMs: waitMs },
  );
  const outcome = await Promise.race([inside.then(() => 'held' as const), held.then(() => 'held' as const, (e: unknown) => e)]);
  if (outcome === 'held') {
    return {
      release: async () => {
        letGo();
        await held;
      },
    };
  }
  // Timed out with the lock in place: someone alive owns the run. Anything else is a real failure.
  if (await readOwner(dir)) return undefined;
  throw outcome;
}
