/**
 * Where `odelab eval` reads a model from: `runs:/<run_id>/<artifact_path>`
 * (MLflow's model URI, read through the tracker's listArtifacts and
 * readArtifact, so any tracker serves it) or a local folder (a path or a
 * `file:` URI). Every malformed reference, unknown run or missing folder is
 * a ConfigError naming the argument.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, TrackingError, TrackingUnavailableError } from '../errors.ts';
import { uriScheme } from '../track/select.ts';
import type { Tracker } from '../track/tracker.ts';

export type ModelRef =
  | { kind: 'run'; runId: string; /** The artifact folder, e.g. `model`. */ path: string }
  | { kind: 'folder'; dir: string };

/** A model folder, local or in a run: its file names and their bytes. */
export interface ModelSource {
  /** How to name it in messages (`runs:/<id>/model` or the folder). */
  readonly where: string;
  readonly runId?: string;
  /** The names of the files in the folder, sorted. */
  list(): Promise<string[]>;
  read(name: string): Promise<Uint8Array>;
}

const RUNS_FORM = 'runs:/<run_id>/<artifact_path> (e.g. runs:/<run_id>/model) or a local folder';

/**
 * Parse a model reference.
 * @param arg the argument's name in messages.
 */
export function parseModelRef(ref: string, arg = '<model>'): ModelRef {
  const bad = (why: string) => new ConfigError(arg, `${arg} '${ref}': ${why}; expected ${RUNS_FORM}`);
  if (typeof ref !== 'string' || ref.trim() === '') throw bad('empty');
  if (/^runs:/i.test(ref)) {
    const m = /^runs:\/([^/]*)(?:\/(.*))?$/i.exec(ref);
    if (!m) throw bad("a run URI starts with 'runs:/'");
    const [, runId, path] = m;
    if (!runId) throw bad('no run id');
    if (!/^[\w-]+$/.test(runId)) throw bad(`'${runId}' is not a run id`);
    const parts = (path ?? '').split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0) throw bad('no artifact path after the run id');
    if (parts.includes('..')) throw bad("'..' is not allowed in the artifact path");
    return { kind: 'run', runId, path: parts.join('/') };
  }
  const scheme = uriScheme(ref);
  if (scheme !== 'file') throw bad(`'${scheme}:' URIs are not supported`);
  if (/^file:\/\//i.test(ref)) {
    try {
      return { kind: 'folder', dir: fileURLToPath(ref) };
    } catch (e) {
      throw bad(`not a local file URI (${(e as Error).message})`);
    }
  }
  return { kind: 'folder', dir: resolve(ref.replace(/^file:/i, '')) };
}

/** A local model folder; a ConfigError if it is not a folder. */
export function folderSource(dir: string, arg = '<model>'): ModelSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(arg, `${arg}: model folder not found: ${dir}`);
  return {
    where: dir,
    list: async () => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort(),
    read: async (name) => new Uint8Array(readFileSync(join(dir, name))),
  };
}

/**
 * A model folder in a run: the run must exist and have artifacts under `path`.
 * A tracker that cannot be reached is not bad input: that error passes through.
 */
export async function runSource(tracker: Tracker, runId: string, path: string, arg = '<model>'): Promise<ModelSource> {
  const where = `runs:/${runId}/${path}`;
  let tags: Record<string, string>;
  try {
    tags = (await tracker.getRun(runId)).tags;
  } catch (e) {
    if (e instanceof TrackingUnavailableError || !(e instanceof TrackingError)) throw e;
    throw new ConfigError(arg, `${arg} '${where}': unknown run '${runId}' in ${tracker.uri} (${e.message})`);
  }
  const names = (await tracker.listArtifacts(runId, path)).map((p) => p.slice(path.length + 1));
  if (names.length === 0) {
    const skipped = tags['odelab.model_skipped'];
    const why = skipped ? `the run skipped it: ${skipped}` : `it has no artifacts under '${path}/' (runs log their model after training)`;
    throw new ConfigError(arg, `${arg} '${where}': run ${runId} has no model: ${why}`);
  }
  return { where, runId, list: async () => names, read: (name) => tracker.readArtifact(runId, `${path}/${name}`) };
}
