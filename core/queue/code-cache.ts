/**
 * Code bundles in Redis and on a worker's disk.
 *
 * The scheduler stores a sweep's bundle once (key `odelab:code:<hash>`,
 * refreshed for 30 days by every start or resume). A worker materialises it
 * under `<odelab>/.odelab-cache/code/<hash>/`: inside odelab's own package
 * folder, so that `import … from 'odelab'` in those files resolves to the
 * worker's odelab by package self-reference (Node looks up the nearest
 * package.json, which is odelab's), with no node_modules to set up. Files
 * are written to a temporary folder, read back and hashed, and only then
 * renamed into place, so a folder named by a hash always holds exactly that
 * code (concurrent workers on one machine race harmlessly). A folder that
 * does not match its name is replaced. With a queue key, a bundle fetched from
 * Redis must carry its signature (signing.ts); a copy already on disk needs
 * none: it holds exactly the files its hash names, and the job naming that
 * hash is itself signed. The cache is never pruned: bundles
 * are a few kilobytes; delete the folder to reclaim it.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { hashFiles, type CodeBundle } from './code-bundle.ts';
import type { CodeRef } from './job-data.ts';
import { CODE_TTL_S, codeKey } from './layout.ts';
import type { QueueSigner } from './signing.ts';
import { makeDirs } from '../track/local-folder.ts';

/** `<odelab package root>/.odelab-cache/code` (git-ignored). */
export const CODE_CACHE_ROOT = fileURLToPath(new URL('../../.odelab-cache/code', import.meta.url));

/** A bundle as stored in Redis: its files and their signature (signing.ts; absent when unsigned). */
interface StoredBundle {
  files: Record<string, string>;
  mac?: string;
}

export async function storeCode(redis: Redis, prefix: string, bundle: CodeBundle, signer: QueueSigner): Promise<void> {
  const mac = signer.sign('bundle', bundle.files);
  const stored: StoredBundle = { files: bundle.files, ...(mac ? { mac } : {}) };
  await redis.set(codeKey(prefix, bundle.hash), JSON.stringify(stored), 'EX', CODE_TTL_S);
}

/**
 * A bundle's files from Redis, checked against the hash that names them and,
 * with a key, against their signature (a SignatureError when it does not match).
 */
export async function fetchCode(redis: Redis, prefix: string, hash: string, signer: QueueSigner): Promise<Record<string, string>> {
  const raw = await redis.get(codeKey(prefix, hash));
  const what = `code bundle ${hash.slice(0, 12)}…`;
  if (raw === null) {
    throw new Error(`${what} is not in Redis (it expires 30 days after the sweep's last start, and lives under the sweep's ODELAB_QUEUE_PREFIX)`);
  }
  let stored: StoredBundle;
  try {
    stored = JSON.parse(raw) as StoredBundle;
  } catch {
    throw new Error(`${what} in Redis is not JSON`);
  }
  const files = stored?.files;
  if (typeof files !== 'object' || files === null || Object.values(files).some((v) => typeof v !== 'string')) {
    throw new Error(`${what} in Redis is not a bundle of files`);
  }
  signer.verify('bundle', files, stored.mac, what);
  if (hashFiles(files) !== hash) throw new Error(`${what} in Redis does not match its hash`);
  return files;
}

/**
 * Write `files` under `root/<hash>/` (unless a verified copy is there) and
 * return that folder. Throws when the written files do not hash to `hash`.
 */
export async function materialise(hash: string, files: Record<string, string>, root = CODE_CACHE_ROOT): Promise<string> {
  for (const path of Object.keys(files)) checkBundlePath(path);
  const dir = join(root, hash);
  if (await holds(dir, hash)) return dir;
  const tmp = join(root, `.${hash}.${process.pid}.${randomUUID().slice(0, 8)}`);
  try {
    for (const [path, source] of Object.entries(files)) {
      const target = join(tmp, ...path.split('/'));
      await makeDirs(dirname(target));
      await writeFile(target, source);
    }
    if (!(await holds(tmp, hash))) throw new Error(`code bundle ${hash.slice(0, 12)}… written to ${tmp} does not match its hash`);
    try {
      await rename(tmp, dir);
    } catch {
      if (await holds(dir, hash)) return dir; // another worker on this machine wrote it first
      await rm(dir, { recursive: true, force: true }); // a damaged copy: replace it
      await rename(tmp, dir);
    }
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Whether `dir` exists and its files hash to `hash`. */
export async function holds(dir: string, hash: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return false;
  }
  const files: Record<string, string> = {};
  for (const entry of entries) {
    const full = join(dir, entry);
    if ((await stat(full)).isFile()) files[entry.split(/[\\/]/).join('/')] = await readFile(full, 'utf8');
  }
  return hashFiles(files) === hash;
}

/** A worker's view of the cache: each bundle fetched and verified once per process. */
export class CodeCache {
  private readonly ready = new Map<string, Promise<string>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly signer: QueueSigner,
    private readonly root = CODE_CACHE_ROOT,
  ) {}

  /** The absolute paths of a trial's experiment and `--plugin` files on this machine. */
  async paths(ref: CodeRef): Promise<{ experiment: string; pluginPaths: string[] }> {
    let dir = this.ready.get(ref.hash);
    if (!dir) {
      dir = this.load(ref.hash);
      this.ready.set(ref.hash, dir);
      dir.catch(() => this.ready.delete(ref.hash));
    }
    const folder = await dir;
    const at = (p: string) => join(folder, ...checkBundlePath(p).split('/'));
    return { experiment: at(ref.experiment), pluginPaths: ref.pluginPaths.map(at) };
  }

  private async load(hash: string): Promise<string> {
    const dir = join(this.root, hash);
    if (await holds(dir, hash)) return dir;
    return materialise(hash, await fetchCode(this.redis, this.prefix, hash, this.signer), this.root);
  }
}

/** A bundle path must stay inside its folder: relative, normalised, no '..'. */
function checkBundlePath(path: string): string {
  if (!path || posix.isAbsolute(path) || posix.normalize(path) !== path || path.split('/').includes('..') || path.includes('\\')) {
    throw new Error(`code bundle path '${path}' would leave the bundle's folder`);
  }
  return path;
}
