/**
 * Runs on an MLflow tracking server, through its REST API 2.0: the tracker
 * for `http://` and `https://` tracking URIs (`mlflow server`, or any
 * server speaking the same API).
 *
 *   experiments  GET experiments/get-by-name → (404 RESOURCE_DOES_NOT_EXIST)
 *                POST experiments/create → (400 RESOURCE_ALREADY_EXISTS: another
 *                worker won the race) GET experiments/get-by-name again
 *   runs         POST runs/create, POST runs/update, GET runs/get
 *   records      POST runs/log-batch, split within MLflow's limits, long param
 *                and tag values truncated with their full text as artifacts
 *                (core/track/rest/log-batch.ts)
 *   history      GET metrics/get-history, following page tokens
 *   artifacts    the server's artifact proxy, or a local folder
 *                (core/track/rest/artifacts.ts)
 *
 * It is `remote`: the run logger keeps its records in the on-disk spool, so a
 * server that is down (TrackingUnavailableError after the transport's
 * retries) loses nothing. A batch split over several requests is not atomic:
 * when a later request fails, the whole batch is tried again, which is safe
 * with MLflow (params are idempotent, tags overwrite, and its SQL store keeps
 * an identical metric point once). Timeouts, retries, auth and TLS come from
 * MLflow's own environment variables (core/track/rest/settings.ts);
 * credentials never appear in `uri`, messages, params or tags. Each retry
 * wait is announced on stderr (`odelab: MLflow server at … unreachable
 * (ECONNREFUSED); retry 3/7 in 8 s`) unless the options say otherwise.
 */
import { definePlugin, s, TrackingError } from 'odelab/plugin';
import type { CreateRunRequest, LogBatch, Metric, RunData, RunInfo, RunStatus, Tracker } from 'odelab/plugin';
import { artifactParts, artifactRootFor, type ArtifactRoot } from '../../core/track/rest/artifacts.ts';
import { isMlflowError } from '../../core/track/rest/errors.ts';
import { splitLogBatch, truncatedKeysTag, truncateLongValues, TRUNCATED_KEYS_TAG, validateBatch } from '../../core/track/rest/log-batch.ts';
import type { LongValue } from '../../core/track/rest/log-batch.ts';
import { fromMetricJson, toKeyValues, toRunData, toRunInfo, type ExperimentJson, type RunJson } from '../../core/track/rest/messages.ts';
import { formatRetryLine, type RetryEvent } from '../../core/track/rest/retry.ts';
import type { TransportOptions } from '../../core/track/rest/settings.ts';
import { MlflowTransport } from '../../core/track/rest/transport.ts';

const API = 'api/2.0/mlflow';
const STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_RE = /^[a-zA-Z0-9][\w-]{0,63}$/;
const MAX_EXPERIMENT_NAME_LENGTH = 500;
/** Tags sent with runs/create; longer values follow in a log-batch, which keeps them whole as artifacts. */
const MAX_CREATE_TAG_LENGTH = 8000;

/** The default retry report: one line on stderr per retry wait. */
export function writeRetryLine(event: RetryEvent): void {
  process.stderr.write(`odelab: ${formatRetryLine(event)}\n`);
}

function checkRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID_RE.test(runId)) throw new TrackingError(`invalid run id '${runId}'`);
}

function checkNonNegativeInteger(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TrackingError(`${what} must be a non-negative integer, got ${String(v)}`);
  return v;
}

/** MLflow's tracking server over its REST API. */
export class MlflowRestTracker implements Tracker {
  readonly uri: string;
  readonly remote = true;
  private readonly transport: MlflowTransport;
  /** artifact_uri by run id, from runs/create and runs/get. */
  private readonly artifactUris = new Map<string, string>();

  constructor(uri: string, options: TransportOptions = {}) {
    this.transport = new MlflowTransport(uri, { onRetry: writeRetryLine, ...options });
    this.uri = this.transport.uri;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    if (typeof name !== 'string' || name === '') throw new TrackingError('an experiment name must be a non-empty string');
    if (name.length > MAX_EXPERIMENT_NAME_LENGTH) throw new TrackingError(`experiment name longer than ${MAX_EXPERIMENT_NAME_LENGTH} characters`);
    const found = await this.findExperiment(name);
    if (found !== undefined) return found;
    try {
      const created = await this.transport.postJson<{ experiment_id?: string }>(`${API}/experiments/create`, { name });
      if (typeof created.experiment_id !== 'string') throw new TrackingError(`experiments/create for '${name}' returned no experiment_id`);
      return created.experiment_id;
    } catch (e) {
      if (!isMlflowError(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
      // Another worker created it between our lookup and our create.
      const winner = await this.findExperiment(name);
      if (winner === undefined) throw new TrackingError(`experiment '${name}' exists by the server's account but cannot be looked up`, { cause: e });
      return winner;
    }
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    const { experimentId, runName } = request;
    if (typeof experimentId !== 'string' || !EXPERIMENT_ID_RE.test(experimentId)) throw new TrackingError(`invalid experiment id '${experimentId}'`);
    const startTime = checkNonNegativeInteger('startTime', request.startTime);
    validateBatch({ tags: request.tags });
    const short: Record<string, string> = {};
    const long: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.tags)) ([...v].length > MAX_CREATE_TAG_LENGTH ? long : short)[k] = v;
    const body: Record<string, unknown> = { experiment_id: experimentId, start_time: startTime, tags: toKeyValues(short) };
    if (runName) body.run_name = runName;
    if (short['mlflow.user'] !== undefined) body.user_id = short['mlflow.user']; // the deprecated field MLflow's client still fills
    const answer = await this.transport.postJson<{ run?: RunJson }>(`${API}/runs/create`, body);
    const info = toRunInfo(answer.run?.info);
    this.artifactUris.set(info.runId, info.artifactUri);
    if (Object.keys(long).length > 0) await this.logBatch(info.runId, { tags: long });
    return info;
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    checkRunId(runId);
    validateBatch(batch);
    const { batch: fitted, longValues } = truncateLongValues(batch);
    if (longValues.length > 0) fitted.tags = { ...fitted.tags, ...(await this.keepLongValues(runId, longValues)) };
    for (const body of splitLogBatch(runId, fitted)) await this.transport.postJson(`${API}/runs/log-batch`, body);
  }

  async logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void> {
    checkRunId(runId);
    const parts = artifactParts(path);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    await (await this.artifactRoot(runId)).write(parts, bytes);
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    checkRunId(runId);
    const parts = artifactParts(path);
    const bytes = await (await this.artifactRoot(runId)).read(parts);
    if (bytes === undefined) throw new TrackingError(`run ${runId} has no artifact '${path}'`);
    return bytes;
  }

  async listArtifacts(runId: string, dir?: string): Promise<string[]> {
    checkRunId(runId);
    const parts = artifactParts(dir, true);
    return (await this.artifactRoot(runId)).list(parts);
  }

  async updateRun(runId: string, update: { status: RunStatus; endTime: number }): Promise<void> {
    checkRunId(runId);
    if (!STATUSES.includes(update.status)) throw new TrackingError(`unknown run status '${String(update.status)}'`);
    const endTime = checkNonNegativeInteger('endTime', update.endTime);
    await this.transport.postJson(`${API}/runs/update`, { run_id: runId, status: update.status, end_time: endTime });
  }

  async getRun(runId: string): Promise<RunData> {
    checkRunId(runId);
    const answer = await this.transport.getJson<{ run?: RunJson }>(`${API}/runs/get`, { run_id: runId });
    const data = toRunData(answer.run);
    this.artifactUris.set(runId, data.info.artifactUri);
    return data;
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    checkRunId(runId);
    validateBatch({ metrics: [{ key, value: 0, timestamp: 0, step: 0 }] }); // the key, as for logging
    const out: Metric[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    do {
      const page = await this.transport.getJson<{ metrics?: unknown[]; next_page_token?: string }>(`${API}/metrics/get-history`, {
        run_id: runId,
        metric_key: key,
        page_token: pageToken,
      });
      out.push(...(page.metrics ?? []).map(fromMetricJson));
      pageToken = page.next_page_token || undefined;
      if (pageToken !== undefined && seen.has(pageToken)) throw new TrackingError(`metrics/get-history for '${key}' of run ${runId} repeats a page token`);
      if (pageToken !== undefined) seen.add(pageToken);
    } while (pageToken !== undefined);
    return out.sort((a, b) => a.timestamp - b.timestamp); // stable: equal timestamps keep the server's order
  }

  /** The experiment's id, undefined when the server has none of that name; a deleted one is an error. */
  private async findExperiment(name: string): Promise<string | undefined> {
    let answer: { experiment?: ExperimentJson };
    try {
      answer = await this.transport.getJson(`${API}/experiments/get-by-name`, { experiment_name: name });
    } catch (e) {
      if (isMlflowError(e, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw e;
    }
    const exp = answer.experiment;
    if (typeof exp?.experiment_id !== 'string') throw new TrackingError(`experiments/get-by-name for '${name}' returned no experiment_id`);
    if (exp.lifecycle_stage === 'deleted') {
      throw new TrackingError(
        `experiment '${name}' (id ${exp.experiment_id}) exists in deleted state on ${this.uri}; ` +
          `restore it (mlflow experiments restore --experiment-id ${exp.experiment_id}) or use another name`,
      );
    }
    return exp.experiment_id;
  }

  /** Log each long value in full as an artifact; the tags that list the truncated keys. */
  private async keepLongValues(runId: string, longValues: readonly LongValue[]): Promise<Record<string, string>> {
    for (const lv of longValues) await this.logArtifact(runId, lv.artifactPath, lv.value);
    const current = (await this.getRun(runId)).tags;
    const tags: Record<string, string> = {};
    for (const kind of ['param', 'tag'] as const) {
      const keys = longValues.filter((lv) => lv.kind === kind).map((lv) => lv.key);
      const tag = TRUNCATED_KEYS_TAG[kind];
      if (keys.length > 0) tags[tag] = truncatedKeysTag(keys, current[tag]);
    }
    return tags;
  }

  private async artifactRoot(runId: string): Promise<ArtifactRoot> {
    const uri = this.artifactUris.get(runId) ?? (await this.getRun(runId)).info.artifactUri;
    if (!uri) throw new TrackingError(`run ${runId} has no artifact_uri on ${this.uri}`);
    return artifactRootFor(uri, this.transport);
  }
}

export default definePlugin({
  kind: 'tracker',
  name: 'mlflow-rest',
  description: "Runs on an MLflow tracking server over its REST API (MLflow's MLFLOW_TRACKING_*/MLFLOW_HTTP_REQUEST_* variables apply)",
  schemes: ['http', 'https'],
  options: s.object({}),
  create: (_options, uri) => new MlflowRestTracker(uri),
});
