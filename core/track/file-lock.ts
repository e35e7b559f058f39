/**
 * Safe writes to a store on a local file system shared by several processes.
 *
 * `writeAtomic` writes a temporary file and renames it into place (or links
 * it, to create a file only if it is absent), so readers never see a torn file.
 *
 * `withFileLock` is a cross-process lock: a lock *file* created with
 * `open(path, 'wx')` (O_CREAT | O_EXCL, atomic on local file systems), holding
 * `{pid, host, token, time}`. It is a file rather than a directory so that
 * tools listing sub-directories (MLflow lists a store root's folders as
 * experiments) never see it.
 *
 * Stale locks: a lock whose holder is a dead process on this host, or that is
 * older than `staleMs`, is broken by renaming it aside (only one contender's
 * rename can succeed) and checking that the renamed file is the one judged
 * stale; if a fresh lock was moved by mistake it is linked back.
 *
 * Every wait is bounded by `timeoutMs`, and the immediate retries after a
 * lock vanished or was broken are few: something at the lock's path that can
 * be neither created nor read (a dangling symbolic link: `open` says it
 * exists, `stat` says it does not) would otherwise be retried forever at
 * full CPU.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TrackingError } from '../errors.ts';

export interface FileLockOptions {
  /** A lock older than this is taken to be abandoned (default 30 s). */
  staleMs?: number;
  /** Give up waiting after this long (default 60 s). */
  timeoutMs?: number;
  /** Base delay between attempts (default 10 ms, with jitter and backoff). */
  retryMs?: number;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  time: number;
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

/** Immediate retries per acquisition (after a release or a break) before waits are paced and timed. */
const MAX_QUICK_RETRIES = 8;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function tryCreate(path: string, content: LockContent): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw new TrackingError(`cannot create lock file ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await handle.writeFile(JSON.stringify(content));
  } finally {
    await handle.close();
  }
  return true;
}

/** If the lock at `path` is stale, move it aside; true when the caller should retry at once. */
async function breakIfStale(path: string, staleMs: number): Promise<boolean> {
  let before;
  let held: Partial<LockContent> = {};
  try {
    before = await lstat(path); // the entry itself: a symbolic link is judged, not followed
    held = JSON.parse(await readFile(path, 'utf8')) as LockContent;
  } catch (e) {
    if (!before) {
      if (code(e) === 'ENOENT') return true; // released meanwhile
      throw e;
    }
    // Unreadable or unparsable: being written right now, torn by a crash, or not a lock file; judged by age alone.
  }
  const age = Date.now() - before.mtimeMs;
  const deadHolder = held.host === hostname() && typeof held.pid === 'number' && !isAlive(held.pid);
  if (!deadHolder && age <= staleMs) return false;
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if (code(e) === 'ENOENT') return true; // someone else broke it first
    throw e;
  }
  const moved = await lstat(aside);
  if (moved.ino !== before.ino || moved.dev !== before.dev) {
    // A fresh lock replaced the stale one between our stat and rename: put it back.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** Who holds the lock at `path`, for a message ('' when unknown). */
async function describeHolder(path: string): Promise<string> {
  try {
    const held = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    if (typeof held.pid === 'number' && typeof held.host === 'string') return ` (held by pid ${held.pid} on ${held.host})`;
  } catch {
    // not readable as a lock: said as is below
  }
  return '';
}

/**
 * Run `fn` while holding the lock file at `path` (created beside the data it
 * guards); the lock is released even when `fn` throws.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { staleMs = 30_000, timeoutMs = 60_000, retryMs = 10 } = options;
  const content: LockContent = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    time: Date.now(),
  };
  const start = Date.now();
  let delay = retryMs;
  let quickRetries = 0;
  while (!(await tryCreate(path, content))) {
    // Just released or broken: try again at once, a few times; after that, paced and timed out like any wait.
    if ((await breakIfStale(path, staleMs)) && quickRetries++ < MAX_QUICK_RETRIES) continue;
    if (Date.now() - start > timeoutMs) {
      throw new TrackingError(
        `timed out after ${timeoutMs} ms waiting for lock ${path}${await describeHolder(path)}; ` +
          'if no other process is using the store, delete that file',
      );
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 200);
  }
  try {
    return await fn();
  } finally {
    await release(path, content.token);
  }
}

async function release(path: string, token: string): Promise<void> {
  try {
    const held = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    if (held.token === token) await unlink(path);
  } catch {
    // Already gone or replaced after being judged stale: nothing of ours to remove.
  }
}

/**
 * Write `data` to `target` atomically: a temporary file in `tmpDir` (which must
 * be on the same file system) renamed over the target. With `exclusive`, the
 * target is created by a hard link instead, which fails if it already exists:
 * returns false then, and the target is left as it was.
 */
export async function writeAtomic(
  target: string,
  data: string | Uint8Array,
  tmpDir: string,
  exclusive = false,
): Promise<boolean> {
  const tmp = join(tmpDir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, data);
  try {
    if (exclusive) {
      try {
        await link(tmp, target);
        return true;
      } catch (e) {
        if (code(e) === 'EEXIST') return false;
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code(e) ?? '')) throw e;
        // No hard links on this file system: check, then rename (not race-free, but never torn).
        const present = await stat(target).then(() => true, () => false);
        if (present) return false;
      }
    }
    await rename(tmp, target);
    return true;
  } finally {
    await rm(tmp, { force: true });
  }
}
