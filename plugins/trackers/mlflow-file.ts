/**
 * The embedded default tracking store: runs written in MLflow's FileStore
 * layout, so `mlflow ui --backend-store-uri ./mlruns` shows them (MLflow >= 3.13
 * also wants MLFLOW_ALLOW_FILE_STORE=true).
 *
 *   <root>/.trash/                         deleted experiments (created with the root)
 *   <root>/<experiment_id>/meta.yaml       artifact_location, creation_time, experiment_id,
 *                                          last_update_time, lifecycle_stage, name
 *   <root>/<experiment_id>/<run_id>/meta.yaml   run info; status as MLflow's integer
 *   .../<run_id>/params/<key>              the value, no trailing newline
 *   .../<run_id>/tags/<key>                the value, no trailing newline
 *   .../<run_id>/metrics/<key>             lines `timestamp value step`, appended
 *   .../<run_id>/artifacts/                logged artifacts
 *
 * Keys may contain `/` (sub-folders). meta.yaml, params, tags and artifacts are
 * written to a temporary file in the run's (or experiment's) folder and renamed
 * into place, so readers never see a torn file; temporaries never sit inside
 * params/, tags/ or metrics/, which MLflow lists as keys. Experiments are
 * created under a lock file at the root, so concurrent processes never create
 * two experiments with the same name.
 *
 * Before the first write (and in `checkUsable`, which `odelab run` calls
 * before any work) the root is made and probed with a file created and
 * removed in it: a location that cannot hold runs (under /proc or /sys, a
 * file in the way, no write permission) is a ConfigError naming the root
 * and what is wrong. Folders are made with local-folder.ts's makeDirs, never
 * Node's recursive mkdir, which spins forever under /proc.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, OdelabError } from 'odelab';
import { definePlugin, s, TrackingError } from 'odelab/plugin';
import type { CreateRunRequest, LogBatch, Metric, RunData, RunInfo, RunStatus, Tracker } from 'odelab/plugin';
import { withFileLock, writeAtomic } from '../../core/track/file-lock.ts';
import { cannotCreate, checkWritableFolder, FolderError, makeDirs } from '../../core/track/local-folder.ts';
import { formatFlatYaml, parseFlatYaml, type FlatYaml } from '../../core/track/file-store-yaml.ts';
import { checkArtifactPath, formatPythonFloat, parsePythonFloat, pathToFileUri, validateKey } from '../../core/track/file-store-yaml.ts';

/** mlflow/protos/service.proto RunStatus, stored as integers in meta.yaml. */
export const RUN_STATUS_CODES: Readonly<Record<RunStatus, number>> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const SOURCE_TYPE_LOCAL = 4; // mlflow.entities.SourceType.LOCAL
const META = 'meta.yaml';
const TRASH = '.trash';
const LOCK_FILE = '.odelab-experiments.lock';
/** Root folders MLflow never reads as experiments. */
const NOT_EXPERIMENTS = new Set([TRASH, 'models']);
const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';
const MAX_PARAM_VALUE_LENGTH = 6000;
const MAX_EXPERIMENT_NAME_LENGTH = 500;
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_RE = /^[a-zA-Z0-9][\w-]{0,63}$/;
/** Random 18-digit ids collide about never; a store where this many draws are all taken is broken. */
const MAX_ID_DRAWS = 100;
/** Problems with the location itself, which the user chose: bad input (exit 2) rather than a failure. */
const LOCATION_CODES = new Set(['ENOENT', 'ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ELOOP', 'ENAMETOOLONG']);

const errno = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The absolute folder of a store URI: a plain path (relative to the cwd) or a `file:` URI. */
export function resolveStoreRoot(uri: string): string {
  if (/^file:\/\//i.test(uri)) {
    try {
      return fileURLToPath(uri);
    } catch (e) {
      throw new TrackingError(`cannot use '${uri}' as a local store: ${(e as Error).message}`, { cause: e });
    }
  }
  if (/^file:/i.test(uri)) return resolve(decodeURIComponent(uri.slice('file:'.length)));
  return resolve(uri);
}

/** An 18-digit random integer without leading zeros, like MLflow's `_generate_unique_integer_id`. */
function newExperimentId(): string {
  let id = String(randomInt(1, 10));
  while (id.length < 18) id += String(randomInt(0, 10));
  return id;
}

function checkInteger(what: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new TrackingError(`${what} must be ${min === 0 ? 'a non-negative' : 'an'} integer, got ${String(v)}`);
  }
  return v;
}

/** Every file under `dir`, as `/`-separated paths relative to it ([] when `dir` is missing). */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (e) {
    if (errno(e) === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)).split(sep).join('/'))
    .sort();
}

interface ExperimentEntry {
  id: string;
  name: string;
  lifecycle: string;
  creationTime: number;
}

/** MLflow's FileStore layout, on the local disk. */
export class MlflowFileStore implements Tracker {
  readonly uri: string;
  readonly remote = false;
  /** Absolute path of the store's root folder. */
  readonly root: string;
  private ready?: Promise<void>;
  private readonly runDirs = new Map<string, string>();

  constructor(uri: string) {
    this.root = resolveStoreRoot(uri);
    this.uri = this.root;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    return this.guard(`getOrCreateExperiment('${name}')`, async () => {
      if (typeof name !== 'string' || name === '') throw new TrackingError('an experiment name must be a non-empty string');
      if (name.length > MAX_EXPERIMENT_NAME_LENGTH) {
        throw new TrackingError(`experiment name longer than ${MAX_EXPERIMENT_NAME_LENGTH} characters`);
      }
      await this.init();
      const found = await this.findExperiment(name);
      if (found !== undefined) return found;
      return withFileLock(join(this.root, LOCK_FILE), async () => {
        const again = await this.findExperiment(name); // another process may have just made it
        if (again !== undefined) return again;
        // Ids of deleted experiments (in .trash) stay taken, as in MLflow.
        const taken = async (id: string) => (await this.exists(join(this.root, id))) || this.exists(join(this.root, TRASH, id));
        let id = newExperimentId();
        for (let draws = 1; await taken(id); draws++) {
          if (draws >= MAX_ID_DRAWS) throw new TrackingError(`no free experiment id in ${this.root} after ${draws} random draws`);
          id = newExperimentId();
        }
        await mkdir(join(this.root, id));
        await this.writeExperimentMeta(join(this.root, id), id, name);
        return id;
      });
    });
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    return this.guard('createRun', async () => {
      await this.init();
      const { experimentId } = request;
      if (typeof experimentId !== 'string' || !EXPERIMENT_ID_RE.test(experimentId)) {
        throw new TrackingError(`invalid experiment id '${experimentId}'`);
      }
      const expDir = join(this.root, experimentId);
      if (!(await this.exists(join(expDir, META)))) {
        throw new TrackingError(`experiment ${experimentId} does not exist (or is deleted) in ${this.root}`);
      }
      const exp = await this.readMeta(expDir);
      if (exp.lifecycle_stage !== 'active') throw new TrackingError(`experiment ${experimentId} is not active`);
      const startTime = checkInteger('startTime', request.startTime, 0);
      const tags = { ...request.tags };
      for (const [k, v] of Object.entries(tags)) this.checkTag(k, v);
      const nameTag = tags[RUN_NAME_TAG];
      if (request.runName && nameTag !== undefined && nameTag !== request.runName) {
        throw new TrackingError(`run name '${request.runName}' differs from tag ${RUN_NAME_TAG}='${nameTag}'`);
      }
      const runName = request.runName || nameTag || `run-${hex(3)}`;
      tags[RUN_NAME_TAG] = runName;
      const runId = randomUUID().replace(/-/g, '');
      const runDir = join(expDir, runId);
      const artifactUri = `${String(exp.artifact_location).replace(/\/+$/, '')}/${runId}/artifacts`;
      const info: RunInfo = { runId, experimentId, runName, artifactUri, status: 'RUNNING', startTime };
      await mkdir(runDir);
      for (const sub of ['metrics', 'params', 'artifacts', 'tags']) await mkdir(join(runDir, sub));
      for (const [k, v] of Object.entries(tags)) await this.writeKeyFile(runDir, 'tags', k, v);
      // meta.yaml last: until it exists MLflow skips the folder as an incomplete run.
      // The fields MLflow's FileStore persists (_make_persisted_run_info_dict), keys sorted on write.
      const meta: FlatYaml = {
        artifact_uri: artifactUri, deleted_time: null, end_time: null, entry_point_name: '',
        experiment_id: experimentId, lifecycle_stage: 'active', run_id: runId, run_name: runName, run_uuid: runId,
        source_name: '', source_type: SOURCE_TYPE_LOCAL, source_version: '', start_time: startTime,
        status: RUN_STATUS_CODES.RUNNING, tags: [], user_id: tags[USER_TAG] ?? 'unknown',
      };
      await writeAtomic(join(runDir, META), formatFlatYaml(meta), runDir);
      this.runDirs.set(runId, runDir);
      return info;
    });
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    return this.guard(`logBatch(${runId})`, async () => {
      const runDir = await this.activeRunDir(runId);
      const metrics = batch.metrics ?? [];
      const params = Object.entries(batch.params ?? {});
      const tags = Object.entries(batch.tags ?? {});
      // Validate the whole batch before writing any of it.
      for (const m of metrics) {
        validateKey('metric', m.key);
        if (typeof m.value !== 'number') throw new TrackingError(`metric '${m.key}' value must be a number, got ${String(m.value)}`);
        checkInteger(`metric '${m.key}' timestamp`, m.timestamp, 0);
        checkInteger(`metric '${m.key}' step`, m.step);
      }
      for (const [k, v] of params) {
        validateKey('param', k);
        if (typeof v !== 'string') throw new TrackingError(`param '${k}' value must be a string`);
        if (v.length > MAX_PARAM_VALUE_LENGTH) throw new TrackingError(`param '${k}' value longer than ${MAX_PARAM_VALUE_LENGTH} characters`);
      }
      for (const [k, v] of tags) this.checkTag(k, v);

      for (const [k, v] of params) {
        if (await this.writeKeyFile(runDir, 'params', k, v, true)) continue;
        const current = await readFile(join(runDir, 'params', k), 'utf8');
        if (current !== v) {
          throw new TrackingError(
            `INVALID_PARAMETER_VALUE: changing param values is not allowed. Param '${k}' of run ${runId} ` +
              `was already logged with value '${current}'; attempted new value '${v}'`,
          );
        }
      }
      const lines = new Map<string, string[]>();
      for (const m of metrics) {
        const line = `${m.timestamp} ${formatPythonFloat(m.value)} ${m.step}\n`;
        lines.set(m.key, [...(lines.get(m.key) ?? []), line]);
      }
      // One append per key per batch. If one fails (the disk is full), every file this batch grew is cut
      // back to its size before it: no torn line for MLflow to choke on, and no point written twice when
      // the caller retries the batch (found by the chaos campaign, scripts/chaos/disk-full.ts).
      const grown: Array<{ file: string; size: number }> = [];
      try {
        for (const [key, text] of lines) {
          const file = join(runDir, 'metrics', ...key.split('/'));
          await makeDirs(dirname(file));
          grown.push({ file, size: await stat(file).then((st) => st.size, () => 0) });
          await appendFile(file, text.join(''));
        }
      } catch (e) {
        for (const { file, size } of grown) await truncate(file, size).catch(() => undefined);
        throw e;
      }
      for (const [k, v] of tags) {
        await this.writeKeyFile(runDir, 'tags', k, v);
        if (k === RUN_NAME_TAG) await this.rewriteMeta(runDir, (meta) => ({ ...meta, run_name: v }));
      }
    });
  }

  async logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void> {
    return this.guard(`logArtifact(${runId}, '${path}')`, async () => {
      const runDir = await this.activeRunDir(runId);
      const { base, target } = await this.artifactTarget(runDir, runId, path);
      await makeDirs(dirname(target));
      await writeAtomic(target, data, dirname(base));
    });
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.guard(`readArtifact(${runId}, '${path}')`, async () => {
      const { target } = await this.artifactTarget(await this.locateRun(runId), runId, path);
      try {
        return new Uint8Array(await readFile(target));
      } catch (e) {
        if (errno(e) === 'ENOENT') throw new TrackingError(`run ${runId} has no artifact '${path}'`);
        throw e;
      }
    });
  }

  async listArtifacts(runId: string, dir?: string): Promise<string[]> {
    return this.guard(`listArtifacts(${runId})`, async () => {
      const runDir = await this.locateRun(runId);
      const base = this.artifactRoot(runId, await this.readMeta(runDir));
      const sub = dir ? checkArtifactPath(dir) : [];
      const files = await listFiles(join(base, ...sub));
      return files.map((f) => [...sub, f].join('/'));
    });
  }

  async updateRun(runId: string, update: { status: RunStatus; endTime: number }): Promise<void> {
    return this.guard(`updateRun(${runId})`, async () => {
      const code = RUN_STATUS_CODES[update.status];
      if (code === undefined) throw new TrackingError(`unknown run status '${String(update.status)}'`);
      const endTime = checkInteger('endTime', update.endTime, 0);
      const runDir = await this.activeRunDir(runId);
      await this.rewriteMeta(runDir, (meta) => ({ ...meta, status: code, end_time: endTime }));
    });
  }

  async getRun(runId: string): Promise<RunData> {
    return this.guard(`getRun(${runId})`, async () => {
      const runDir = await this.locateRun(runId);
      const meta = await this.readMeta(runDir);
      const params = await this.readKeyFiles(runDir, 'params');
      const tags = await this.readKeyFiles(runDir, 'tags');
      const metrics: Record<string, number> = {};
      for (const key of await listFiles(join(runDir, 'metrics'))) {
        const history = await this.getMetricHistory(runId, key);
        // MLflow's latest value: the largest (step, timestamp, value).
        const latest = history.reduce((a, b) =>
          b.step !== a.step ? (b.step > a.step ? b : a) : b.timestamp !== a.timestamp ? (b.timestamp > a.timestamp ? b : a) : b.value > a.value ? b : a,
        );
        metrics[key] = latest.value;
      }
      const code = meta.status ?? RUN_STATUS_CODES.RUNNING;
      const status = (Object.keys(RUN_STATUS_CODES) as RunStatus[]).find((k) => RUN_STATUS_CODES[k] === code);
      if (!status) throw new TrackingError(`run ${runId} has an unknown status code ${String(code)}`);
      const [experimentId, artifactUri] = [String(meta.experiment_id), String(meta.artifact_uri)];
      const runName = String(meta.run_name || tags[RUN_NAME_TAG] || '');
      const info: RunInfo = { runId, experimentId, runName, artifactUri, status, startTime: Number(meta.start_time) };
      if (typeof meta.end_time === 'number') info.endTime = meta.end_time;
      return { info, params, tags, metrics };
    });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.guard(`getMetricHistory(${runId}, '${key}')`, async () => {
      validateKey('metric', key);
      const file = join(await this.locateRun(runId), 'metrics', ...key.split('/'));
      const text = await readFile(file, 'utf8').catch((e: unknown) => (errno(e) === 'ENOENT' ? '' : Promise.reject(e)));
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((line) => {
          const f = line.trim().split(' ');
          if (f.length !== 2 && f.length !== 3) throw new TrackingError(`metric '${key}' of run ${runId} is malformed: '${line}'`);
          return { key, timestamp: Number(f[0]), value: parsePythonFloat(f[1]!), step: f.length === 3 ? Number(f[2]) : 0 };
        });
    });
  }

  /** The local folder of a run's artifacts (its artifact_uri must be a `file:` URI). */
  private artifactRoot(runId: string, meta: FlatYaml): string {
    const uri = String(meta.artifact_uri);
    if (!/^file:/i.test(uri)) throw new TrackingError(`run ${runId} keeps artifacts at '${uri}', which is not a local folder`);
    return resolveStoreRoot(uri);
  }

  /** The file an artifact path names, confined to the run's artifact folder. */
  private async artifactTarget(runDir: string, runId: string, path: string): Promise<{ base: string; target: string }> {
    const parts = checkArtifactPath(path);
    const base = this.artifactRoot(runId, await this.readMeta(runDir));
    const target = resolve(base, ...parts);
    const rel = relative(base, target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new TrackingError(`artifact path '${path}' leaves the artifact folder`);
    return { base, target };
  }

  /**
   * Check before any work that runs can be written here: the root is made
   * (with the Default experiment, as below) and a probe file is created and
   * removed in it. An unusable location is a ConfigError naming the root and
   * what is wrong (exit 2); other file-system failures are TrackingErrors.
   */
  async checkUsable(): Promise<void> {
    await this.init();
  }

  /** Create the root with the Default experiment `0` and `.trash`, as MLflow does for a new root, and probe it. */
  private init(): Promise<void> {
    this.ready ??= this.createRoot()
      .then(() => checkWritableFolder(this.root))
      .catch((e: unknown) => {
        this.ready = undefined;
        throw this.locationError(e);
      });
    return this.ready;
  }

  /** One line that names the store, the path at fault and what is wrong with it. */
  private locationError(e: unknown): Error {
    if (e instanceof OdelabError) return e;
    const code = e instanceof FolderError ? e.code : errno(e);
    const detail = e instanceof FolderError ? (e.path === this.root ? e.reason : e.message) : (e as Error).message;
    const message = `tracking store ${this.root} is not usable: ${detail}`;
    return code && LOCATION_CODES.has(code) ? new ConfigError('tracking URI', message) : new TrackingError(message, { cause: e });
  }

  private async createRoot(): Promise<void> {
    const entries = await readdir(this.root).catch(async (e: unknown) => {
      if (errno(e) === 'ENOENT') return undefined;
      if (errno(e) === 'ENOTDIR') await makeDirs(this.root); // throws, naming the file that is in the way
      throw e;
    });
    if (entries?.length === 0) await checkWritableFolder(this.root); // an empty folder is ours to fill, if we may
    if (!entries || entries.length === 0) {
      // Build it aside and rename it into place: of several racing processes exactly one wins.
      const parent = dirname(this.root);
      await makeDirs(parent);
      const staging = join(parent, `.${basename(this.root)}.init-${process.pid}-${hex(4)}`);
      try {
        // Named as the root: the staging folder is ours, the location is the user's.
        await mkdir(staging).catch((e: unknown) => Promise.reject(cannotCreate(this.root, e)));
        await mkdir(join(staging, TRASH));
        await mkdir(join(staging, '0'));
        await this.writeExperimentMeta(join(staging, '0'), '0', 'Default');
        await rename(staging, this.root).catch(async (e: unknown) => {
          if (!(await this.exists(join(this.root, TRASH)))) throw cannotCreate(this.root, e); // else lost the race: fine
        });
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
    await makeDirs(join(this.root, TRASH));
  }

  /** Write an experiment's meta.yaml into `dir` (its final folder, or the staging copy of the root). */
  private async writeExperimentMeta(dir: string, id: string, name: string): Promise<void> {
    const now = Date.now();
    const artifact_location = pathToFileUri(join(this.root, id));
    const meta = { artifact_location, creation_time: now, experiment_id: id, last_update_time: now, lifecycle_stage: 'active', name };
    await writeAtomic(join(dir, META), formatFlatYaml(meta), dir);
  }

  /** The id of the experiment named `name` (MLflow's choice among duplicates: newest first, then lowest id). */
  private async findExperiment(name: string): Promise<string | undefined> {
    const byAge = (a: ExperimentEntry, b: ExperimentEntry) => b.creationTime - a.creationTime || a.id.localeCompare(b.id);
    const active = (await this.listExperiments(this.root)).filter((e) => e.name === name && e.lifecycle === 'active');
    if (active.length > 0) return active.sort(byAge)[0]!.id;
    const deleted = (await this.listExperiments(join(this.root, TRASH))).find((e) => e.name === name);
    if (deleted) {
      throw new TrackingError(
        `experiment '${name}' (id ${deleted.id}) exists in deleted state in ${join(this.root, TRASH)}; ` +
          'restore it (mlflow experiments restore) or remove it from .trash to reuse the name',
      );
    }
    return undefined;
  }

  private async listExperiments(parent: string): Promise<ExperimentEntry[]> {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
    const out: ExperimentEntry[] = [];
    for (const d of entries) {
      if (!d.isDirectory() || NOT_EXPERIMENTS.has(d.name) || !EXPERIMENT_ID_RE.test(d.name)) continue;
      // A folder without a readable meta.yaml is incomplete or not an experiment: MLflow skips it too.
      const meta = await this.readMeta(join(parent, d.name)).catch(() => undefined);
      if (!meta || typeof meta.name !== 'string' || String(meta.experiment_id) !== d.name) continue;
      const lifecycle = typeof meta.lifecycle_stage === 'string' ? meta.lifecycle_stage : 'active';
      out.push({ id: d.name, name: meta.name, lifecycle, creationTime: Number(meta.creation_time) || 0 });
    }
    return out;
  }

  /** The folder of a run, searching active and deleted experiments as MLflow does (reads create nothing). */
  private async locateRun(runId: string): Promise<string> {
    if (typeof runId !== 'string' || !RUN_ID_RE.test(runId)) throw new TrackingError(`invalid run id '${runId}'`);
    const cached = this.runDirs.get(runId);
    if (cached) return cached;
    for (const parent of [this.root, join(this.root, TRASH)]) {
      for (const d of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
        if (!d.isDirectory() || NOT_EXPERIMENTS.has(d.name)) continue;
        const dir = join(parent, d.name, runId);
        if (await this.exists(join(dir, META))) {
          this.runDirs.set(runId, dir);
          return dir;
        }
      }
    }
    throw new TrackingError(`run '${runId}' not found in ${this.root}`);
  }

  /** A run that may be written to: MLflow refuses runs whose lifecycle_stage is not active. */
  private async activeRunDir(runId: string): Promise<string> {
    const dir = await this.locateRun(runId);
    const stage = (await this.readMeta(dir)).lifecycle_stage;
    if (stage !== undefined && stage !== 'active') throw new TrackingError(`run '${runId}' is ${String(stage)}, not active`);
    return dir;
  }

  private checkTag(key: string, value: unknown): void {
    validateKey('tag', key);
    if (typeof value !== 'string') throw new TrackingError(`tag '${key}' value must be a string`);
  }

  private async writeKeyFile(runDir: string, folder: string, key: string, value: string, exclusive = false): Promise<boolean> {
    const file = join(runDir, folder, ...key.split('/'));
    await makeDirs(dirname(file));
    return writeAtomic(file, value, runDir, exclusive);
  }

  private async readKeyFiles(runDir: string, folder: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of await listFiles(join(runDir, folder))) out[key] = await readFile(join(runDir, folder, key), 'utf8');
    return out;
  }

  private async readMeta(dir: string): Promise<FlatYaml> {
    return parseFlatYaml(await readFile(join(dir, META), 'utf8'), join(dir, META));
  }

  private async rewriteMeta(dir: string, change: (meta: FlatYaml) => FlatYaml): Promise<void> {
    await writeAtomic(join(dir, META), formatFlatYaml(change(await this.readMeta(dir))), dir);
  }

  private exists(path: string): Promise<boolean> {
    return stat(path).then(() => true, () => false);
  }

  /** Turn file-system failures into TrackingErrors that name the store and the call. */
  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof OdelabError) throw e;
      throw new TrackingError(`mlflow-file store ${this.root}: ${what} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}

export default definePlugin({
  kind: 'tracker',
  name: 'mlflow-file',
  description: "Local runs in MLflow's FileStore layout (view with: mlflow ui --backend-store-uri ./mlruns)",
  schemes: ['file'],
  options: s.object({}),
  create: (_options, uri) => new MlflowFileStore(uri),
});
