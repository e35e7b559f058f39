/**
 * A run's artifacts, as odelab's MLflow REST client reaches them.
 *
 * Which way depends on the run's `artifact_uri`, as in MLflow's client:
 *   - `mlflow-artifacts:/<path>` (a server started with `--serve-artifacts`,
 *     the default since MLflow 2.0): through the server's artifact proxy,
 *     `PUT`/`GET <base>/api/2.0/mlflow-artifacts/artifacts/<path>/<file>` with
 *     raw bytes, and `GET <base>/api/2.0/mlflow-artifacts/artifacts?path=<dir>`
 *     to list one level (`{files: [{path, is_dir, file_size}]}`, base names).
 *     `mlflow-artifacts://host:port/<path>` names another host, reached with
 *     the tracking URI's scheme, path prefix and credentials, as MLflow does.
 *   - a `file:` URI or a plain path: the folder itself (it must be on this
 *     machine or a shared file system), writes confined to it.
 *   - anything else (s3:, gs:, wasbs:, ...): a TrackingError asking for a
 *     server with `--serve-artifacts`; odelab has no clients for those stores.
 * Artifact paths are checked by `checkArtifactPath` (no `..`, not absolute)
 * before any request or file access.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrackingError } from '../../errors.ts';
import { writeAtomic } from '../file-lock.ts';
import { makeDirs } from '../local-folder.ts';
import { checkArtifactPath } from '../file-store-yaml.ts';
import { MlflowApiError } from './errors.ts';
import type { MlflowTransport } from './transport.ts';

/** One run's artifact root. Paths are relative to it, already checked, as parts. */
export interface ArtifactRoot {
  write(parts: readonly string[], data: Uint8Array): Promise<void>;
  /** The file's bytes, or undefined when there is no such file. */
  read(parts: readonly string[]): Promise<Uint8Array | undefined>;
  /** Every file under the folder `parts` (recursively), as `/`-joined paths relative to the root. */
  list(parts: readonly string[]): Promise<string[]>;
}

const PROXY = 'api/2.0/mlflow-artifacts/artifacts';
const encodePath = (parts: readonly string[]) => parts.map(encodeURIComponent).join('/');

/** The artifact root behind a run's `artifact_uri`. */
export function artifactRootFor(artifactUri: string, transport: MlflowTransport): ArtifactRoot {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(artifactUri)?.[1]?.toLowerCase();
  if (scheme === 'mlflow-artifacts') return proxiedRoot(artifactUri, transport);
  if (scheme === undefined || scheme === 'file') {
    const folder = scheme === 'file' ? fileFolder(artifactUri) : resolve(artifactUri);
    return new LocalArtifacts(folder);
  }
  throw new TrackingError(
    `artifacts at '${artifactUri}' are out of odelab's reach: it uploads through the MLflow server's artifact proxy ` +
      "(mlflow-artifacts:/ URIs) or into a local folder (file:). Start the server with --serve-artifacts " +
      '(and --artifacts-destination for the store) so that runs get mlflow-artifacts:/ URIs',
  );
}

function fileFolder(uri: string): string {
  try {
    return /^file:\/\//i.test(uri) ? fileURLToPath(uri) : resolve(decodeURIComponent(uri.slice('file:'.length)));
  } catch (e) {
    throw new TrackingError(`cannot use the artifact URI '${uri}' as a local folder: ${(e as Error).message}`);
  }
}

function proxiedRoot(artifactUri: string, transport: MlflowTransport): ArtifactRoot {
  let url: URL;
  try {
    url = new URL(artifactUri);
  } catch {
    throw new TrackingError(`the server gave an unreadable artifact URI '${artifactUri}'`);
  }
  const root = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (root.some((p) => p === '..' || p === '.')) throw new TrackingError(`the server gave an unsafe artifact URI '${artifactUri}'`);
  if (!url.host) return new ProxiedArtifacts(transport, root);
  const tracking = new URL(transport.uri);
  const base = `${tracking.protocol}//${url.host}${tracking.pathname.replace(/\/+$/, '')}`;
  return new ProxiedArtifacts(base === transport.uri ? transport : transport.rebased(base), root);
}

class ProxiedArtifacts implements ArtifactRoot {
  constructor(
    private readonly transport: MlflowTransport,
    private readonly root: readonly string[],
  ) {}

  async write(parts: readonly string[], data: Uint8Array): Promise<void> {
    await this.transport.putBytes(`${PROXY}/${encodePath([...this.root, ...parts])}`, data);
  }

  async read(parts: readonly string[]): Promise<Uint8Array | undefined> {
    try {
      return await this.transport.getBytes(`${PROXY}/${encodePath([...this.root, ...parts])}`);
    } catch (e) {
      if (e instanceof MlflowApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async list(parts: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: readonly string[]): Promise<void> => {
      const answer = await this.transport.getJson<{ files?: { path?: unknown; is_dir?: unknown }[] }>(PROXY, {
        path: [...this.root, ...dir].join('/'),
      });
      for (const f of answer.files ?? []) {
        const name = String(f.path ?? '');
        // The server sends base names; anything else is refused rather than followed.
        if (name === '' || name === '.' || name === '..' || /[\\/]/.test(name)) {
          throw new TrackingError(`the MLflow artifact proxy listed an unsafe name ${JSON.stringify(f.path)}`);
        }
        if (f.is_dir === true) await walk([...dir, name]);
        else out.push([...dir, name].join('/'));
      }
    };
    await walk(parts);
    return out.sort();
  }
}

class LocalArtifacts implements ArtifactRoot {
  constructor(private readonly folder: string) {}

  async write(parts: readonly string[], data: Uint8Array): Promise<void> {
    const target = this.target(parts);
    await makeDirs(dirname(target));
    await writeAtomic(target, data, dirname(target));
  }

  async read(parts: readonly string[]): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.target(parts)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TrackingError(`cannot read artifact '${parts.join('/')}' in ${this.folder}: ${(e as Error).message}`);
    }
  }

  async list(parts: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: readonly string[]): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.folder, ...dir), { withFileTypes: true });
      } catch (e) {
        if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
        throw new TrackingError(`cannot list artifacts in ${this.folder}: ${(e as Error).message}`);
      }
      for (const d of entries) {
        if (d.name.startsWith('.tmp-')) continue; // writeAtomic's temporaries
        if (d.isDirectory()) await walk([...dir, d.name]);
        else if (d.isFile()) out.push([...dir, d.name].join('/'));
      }
    };
    await walk(parts);
    return out.sort();
  }

  /** The file `parts` names, confined to the folder. */
  private target(parts: readonly string[]): string {
    const target = resolve(this.folder, ...parts);
    const rel = relative(this.folder, target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new TrackingError(`artifact path '${parts.join('/')}' leaves the artifact folder ${this.folder}`);
    }
    return target;
  }
}

/** Check an artifact path (see checkArtifactPath) and return its parts; '' or undefined is the root for listings. */
export function artifactParts(path: string | undefined, forListing = false): string[] {
  if (forListing && (path === undefined || path === '' || path === '.' || path === './')) return [];
  return checkArtifactPath(path as string);
}
