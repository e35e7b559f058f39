// The in-memory state of the fake MLflow tracking server (fake-mlflow-server.ts)
// and MLflow's rules for it: experiments, runs, params (immutable), tags,
// metric points (NaN/±Infinity kept), log-batch limits, pages of metric
// history, and the artifact proxy's files. Errors carry MLflow's status and
// error_code. Kept apart from the HTTP side so that each file stays small.
import { randomBytes } from 'node:crypto';
import type { RunStatus } from '../../core/track/tracker.ts';

/** An MLflow error answer: `{error_code, message}` with this status. */
export class MlflowHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new MlflowHttpError(400, 'INVALID_PARAMETER_VALUE', message);
const notFound = (message: string) => new MlflowHttpError(404, 'RESOURCE_DOES_NOT_EXIST', message);

export interface FakeExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number;
}

export interface FakeMetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface FakeRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Every point logged, in arrival order. */
  metrics: FakeMetricPoint[];
}

/** MLflow's documented log-batch limits (and mlflow/utils/validation.py). */
export const FAKE_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 1_000_000, paramValue: 6000, tagValue: 8000, key: 250 };
const STATUSES: readonly string[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const KEY_RE = /^[/\w.\- :]*$/u;

type Json = Record<string, unknown>;

function required(body: Json, field: string): unknown {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    throw invalid(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
  }
  return v;
}

function integer(what: string, v: unknown): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${what}': expected an integer`);
  return n;
}

/** A metric value as protobuf's JSON parser reads a double. */
function metricValue(key: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw invalid(`Got invalid value ${JSON.stringify(v)} for metric '${key}' (timestamp=?). Please specify value as a valid double (64-bit floating point)`);
}

function checkKey(kind: string, key: unknown): string {
  if (typeof key !== 'string' || key === '') throw invalid(`Missing value for required parameter '${kind}.key'.`);
  if (!KEY_RE.test(key)) throw invalid(`Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`);
  if (key.length > FAKE_LIMITS.key) throw invalid(`${kind} key '${key.slice(0, 20)}...' had length ${key.length}, which exceeded length limit of ${FAKE_LIMITS.key}`);
  return key;
}

function checkValueLength(kind: string, key: string, value: unknown, limit: number): string {
  if (typeof value !== 'string') throw invalid(`${kind} '${key}' value must be a string`);
  const length = [...value].length;
  if (length > limit) throw invalid(`${kind} value '${value.slice(0, 20)}...' had length ${length}, which exceeded length limit of ${limit}`);
  return value;
}

const pointId = (m: FakeMetricPoint) => `${m.key}\0${m.timestamp}\0${m.step}\0${String(m.value)}`;

/** Checks the path of an artifact as MLflow's validate_path_is_safe does; returns it without leading './'. */
export function safeArtifactPath(path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path) || parts.includes('..') || path.includes('\0')) {
    throw invalid(`Invalid path: '${path}'`);
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

export class FakeMlflowStore {
  readonly experiments = new Map<string, FakeExperiment>();
  readonly runs = new Map<string, FakeRun>();
  /** Files of the artifact proxy, by path below its root (`<experiment>/<run>/artifacts/<file>`). */
  readonly artifacts = new Map<string, Buffer>();
  private nextExperimentId = 1;

  constructor(
    private readonly artifactRoot: string,
    private readonly historyPageSize: number,
  ) {
    this.addExperiment('0', 'Default');
  }

  createExperiment(body: Json): string {
    const name = required(body, 'name');
    if (typeof name !== 'string') throw invalid("Invalid value for parameter 'name'");
    const existing = this.experimentByName(name);
    if (existing) {
      const state = existing.lifecycleStage === 'deleted' ? ' in deleted state' : '';
      throw new MlflowHttpError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists${state}. Error: (UNIQUE constraint failed: experiments.name)`);
    }
    return this.addExperiment(String(this.nextExperimentId++), name).experimentId;
  }

  addExperiment(id: string, name: string): FakeExperiment {
    const root = this.artifactRoot.endsWith(':') ? `${this.artifactRoot}/` : `${this.artifactRoot.replace(/\/+$/, '')}/`;
    const exp: FakeExperiment = { experimentId: id, name, artifactLocation: `${root}${id}`, lifecycleStage: 'active', creationTime: Date.now() };
    this.experiments.set(id, exp);
    return exp;
  }

  experimentByName(name: string): FakeExperiment | undefined {
    return [...this.experiments.values()].find((e) => e.name === name);
  }

  getExperimentByName(name: unknown): FakeExperiment {
    if (typeof name !== 'string' || name === '') throw invalid("Missing value for required parameter 'experiment_name'.");
    const exp = this.experimentByName(name);
    if (!exp) throw notFound(`Could not find experiment with name '${name}'`);
    return exp;
  }

  createRun(body: Json): FakeRun {
    const experimentId = String(required(body, 'experiment_id'));
    const exp = this.experiments.get(experimentId);
    if (!exp) throw notFound(`No Experiment with id=${experimentId} exists`);
    if (exp.lifecycleStage !== 'active') throw invalid(`The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`);
    const tags: Record<string, string> = {};
    for (const t of (body.tags as Json[] | undefined) ?? []) {
      const key = checkKey('tag', t.key);
      tags[key] = checkValueLength('Tag', key, t.value, FAKE_LIMITS.tagValue);
    }
    const requested = typeof body.run_name === 'string' ? body.run_name : '';
    const fromTag = tags['mlflow.runName'];
    if (requested && fromTag !== undefined && fromTag !== requested) {
      throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${requested}', mlflow.runName='${fromTag}').`);
    }
    const runName = requested || fromTag || `fake-run-${randomBytes(2).toString('hex')}`;
    tags['mlflow.runName'] = runName;
    const runId = randomBytes(16).toString('hex');
    const run: FakeRun = {
      runId,
      experimentId,
      runName,
      userId: typeof body.user_id === 'string' ? body.user_id : '',
      status: 'RUNNING',
      startTime: body.start_time === undefined ? Date.now() : integer('start_time', body.start_time),
      artifactUri: `${exp.artifactLocation}/${runId}/artifacts`,
      lifecycleStage: 'active',
      params: {},
      tags,
      metrics: [],
    };
    this.runs.set(runId, run);
    return run;
  }

  run(runId: unknown): FakeRun {
    if (typeof runId !== 'string' || runId === '') throw invalid("Missing value for required parameter 'run_id'.");
    const run = this.runs.get(runId);
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  private activeRun(runId: unknown): FakeRun {
    const run = this.run(runId);
    if (run.lifecycleStage !== 'active') throw invalid(`The run ${run.runId} must be in the 'active' state. Current state is deleted.`);
    return run;
  }

  updateRun(body: Json): FakeRun {
    const run = this.activeRun(body.run_id ?? body.run_uuid);
    if (body.status !== undefined) {
      if (typeof body.status !== 'string' || !STATUSES.includes(body.status)) throw invalid(`Invalid value ${JSON.stringify(body.status)} for parameter 'status'`);
      run.status = body.status as RunStatus;
    }
    if (body.end_time !== undefined) run.endTime = integer('end_time', body.end_time);
    if (typeof body.run_name === 'string' && body.run_name) {
      run.runName = body.run_name;
      run.tags['mlflow.runName'] = body.run_name;
    }
    return run;
  }

  /** runs/log-batch: every limit and value checked before anything is stored (all or nothing). */
  logBatch(body: Json, bodyBytes: number): void {
    if (bodyBytes > FAKE_LIMITS.bytes) throw invalid(`Batch request size ${bodyBytes} exceeds the limit of ${FAKE_LIMITS.bytes} bytes`);
    const run = this.activeRun(body.run_id);
    const metrics = (body.metrics as Json[] | undefined) ?? [];
    const params = (body.params as Json[] | undefined) ?? [];
    const tags = (body.tags as Json[] | undefined) ?? [];
    const over = (n: number, limit: number, what: string) => {
      if (n > limit) throw invalid(`A batch logging request can contain at most ${limit} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
    };
    over(metrics.length, FAKE_LIMITS.metrics, 'metrics');
    over(params.length, FAKE_LIMITS.params, 'params');
    over(tags.length, FAKE_LIMITS.tags, 'tags');
    over(metrics.length + params.length + tags.length, FAKE_LIMITS.total, 'metrics, params, and tags in total');
    const points = metrics.map((m) => {
      const key = checkKey('metric', m.key);
      if (m.value === undefined) throw invalid(`Missing value for required parameter 'metrics[${key}].value'.`);
      if (m.timestamp === undefined) throw invalid(`Missing value for required parameter 'metrics[${key}].timestamp'.`);
      return { key, value: metricValue(key, m.value), timestamp: integer('timestamp', m.timestamp), step: m.step === undefined ? 0 : integer('step', m.step) };
    });
    const newParams: Record<string, string> = {};
    for (const p of params) {
      const key = checkKey('param', p.key);
      const value = checkValueLength('Param', key, p.value, FAKE_LIMITS.paramValue);
      const before = newParams[key] ?? run.params[key];
      if (before !== undefined && before !== value) {
        throw invalid(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${before}' ` +
            `for run ID='${run.runId}'. Attempted logging new value '${value}'.`,
        );
      }
      newParams[key] = value;
    }
    const newTags = tags.map((t) => {
      const key = checkKey('tag', t.key);
      return [key, checkValueLength('Tag', key, t.value, FAKE_LIMITS.tagValue)] as const;
    });
    Object.assign(run.params, newParams);
    for (const [k, v] of newTags) run.tags[k] = v;
    // As MLflow's SQL store (primary key: key, timestamp, step, value): an identical point is kept once.
    const seen = new Set(run.metrics.map(pointId));
    for (const m of points) {
      if (seen.has(pointId(m))) continue;
      seen.add(pointId(m));
      run.metrics.push(m);
    }
  }

  /** The latest point of each metric: largest step, then timestamp, then the last logged. */
  latestMetrics(run: FakeRun): FakeMetricPoint[] {
    const latest = new Map<string, FakeMetricPoint>();
    for (const m of run.metrics) {
      const cur = latest.get(m.key);
      if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp)) latest.set(m.key, m);
    }
    return [...latest.values()];
  }

  /** One page of a metric's history; the token is the offset of the next page. */
  metricHistory(query: Record<string, string>): { points: FakeMetricPoint[]; nextPageToken?: string } {
    const run = this.run(query.run_id ?? query.run_uuid);
    const key = query.metric_key;
    if (!key) throw invalid("Missing value for required parameter 'metric_key'.");
    const all = run.metrics.filter((m) => m.key === key);
    const size = Math.min(this.historyPageSize, query.max_results ? integer('max_results', query.max_results) : Infinity);
    const start = query.page_token ? Number(Buffer.from(query.page_token, 'base64').toString('utf8')) : 0;
    if (!Number.isSafeInteger(start) || start < 0) throw invalid(`Invalid page token '${query.page_token}'`);
    const points = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { points, nextPageToken: next };
  }

  putArtifact(path: string, bytes: Buffer): void {
    const safe = safeArtifactPath(path);
    if (safe === '') throw invalid('Invalid path: an artifact upload needs a file path');
    this.artifacts.set(safe, bytes);
  }

  getArtifact(path: string): Buffer {
    const bytes = this.artifacts.get(safeArtifactPath(path));
    if (!bytes) throw notFound(`Artifact '${path}' does not exist`);
    return bytes;
  }

  /** One level of the artifact proxy's listing: base names, as MLflow's server sends them. */
  listArtifacts(path: string): { path: string; is_dir: boolean; file_size?: number }[] {
    const dir = safeArtifactPath(path);
    const prefix = dir === '' ? '' : `${dir}/`;
    const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [file, bytes] of this.artifacts) {
      if (!file.startsWith(prefix)) continue;
      const [name, ...rest] = file.slice(prefix.length).split('/');
      entries.set(name!, rest.length > 0 ? { path: name!, is_dir: true } : { path: name!, is_dir: false, file_size: bytes.length });
    }
    return [...entries.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}
