/**
 * Folders of the local stores (the file store's root, the run spool): made
 * one component at a time, and checked up front.
 *
 * `makeDirs` replaces `mkdir(path, { recursive: true })`, which in Node 20
 * never returns when a parent exists but refuses the new entry with ENOENT,
 * as procfs does (`/proc/anything`): it tries the parent, finds it there, and
 * tries the child again, forever, at full CPU. Here each missing component
 * gets one plain mkdir, so the first refusal is the answer.
 *
 * `checkWritableFolder` makes the folder, then creates and removes a probe
 * file in it: a location that cannot hold a store (under /proc or /sys, a
 * file where a folder is expected, a folder without write permission, a
 * parent that cannot be made) fails at once with a `FolderError` that says
 * which path and what is wrong, before any work depends on it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** A folder that cannot be made or written, with a one-line reason naming the path at fault. */
export class FolderError extends Error {
  constructor(
    /** The path at fault (the folder, or the parent that refused it). */
    readonly path: string,
    /** What is wrong, e.g. "is a file, not a folder". */
    readonly reason: string,
    /** The file system's error code (ENOENT, EACCES, ...), when it gave one. */
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'FolderError';
  }
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;

/** Words for the codes a refused mkdir or create gives; others show the system's message. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
};

function reasonOf(e: unknown): string {
  const code = errno(e);
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return (e as Error).message;
}

async function kindOf(path: string): Promise<'folder' | 'other' | 'missing' | 'blocked'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'other';
  } catch (e) {
    if (errno(e) === 'ENOENT') return 'missing';
    if (errno(e) === 'ENOTDIR') return 'blocked'; // a parent is a file: found on the way up
    throw new FolderError(path, `cannot be looked at: ${reasonOf(e)}`, errno(e));
  }
}

/** Make `path` and its missing parents; a FolderError names the first component that could not be made. */
export async function makeDirs(path: string): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  // Up to the deepest existing ancestor: one step per component, ending at the root at the latest.
  let dir = target;
  for (;;) {
    const kind = await kindOf(dir);
    if (kind === 'folder') break;
    if (kind === 'other') throw new FolderError(dir, 'is a file, not a folder', 'ENOTDIR');
    missing.unshift(dir);
    const parent = dirname(dir);
    if (parent === dir) throw new FolderError(dir, 'the file system root is missing');
    dir = parent;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (e) {
      if (errno(e) === 'EEXIST' && (await kindOf(d)) === 'folder') continue; // made by another process meanwhile
      throw cannotCreate(d, e);
    }
  }
}

/** Why a plain mkdir of `dir` failed, for a parent that exists. */
export function cannotCreate(dir: string, e: unknown): FolderError {
  const code = errno(e);
  // The parent is there, yet the entry cannot be made: procfs and kin.
  if (code === 'ENOENT') return new FolderError(dir, `cannot be created: ${dirname(dir)} accepts no new folders (ENOENT)`, code);
  return new FolderError(dir, `cannot be created: ${reasonOf(e)}`, code);
}

/**
 * Make `folder` if needed, then create and remove a probe file in it: resolves
 * when a store can be written there, else rejects with a FolderError.
 */
export async function checkWritableFolder(folder: string): Promise<void> {
  const dir = resolve(folder);
  await makeDirs(dir);
  const probe = `${dir}/.odelab-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(probe, 'wx');
    try {
      await handle.writeFile('probe');
    } finally {
      await handle.close();
    }
  } catch (e) {
    await unlink(probe).catch(() => undefined);
    const code = errno(e);
    const reason = code === 'ENOENT' ? 'accepts no new files (ENOENT)' : reasonOf(e);
    throw new FolderError(dir, `cannot be written to: ${reason}`, code);
  }
  await unlink(probe).catch((e: unknown) => {
    throw new FolderError(dir, `a file made there cannot be removed: ${reasonOf(e)}`, errno(e));
  });
}
