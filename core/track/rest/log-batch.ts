/**
 * A LogBatch as `runs/log-batch` requests that an MLflow server accepts.
 *
 * Limits (MLflow's REST API docs, "Request Limits", and
 * mlflow/utils/validation.py): one request holds at most 1,000 metrics, 100
 * params, 100 tags and 1,000 items in total, and its JSON body is at most
 * 1 MB (`MAX_BATCH_LOG_REQUEST_SIZE = int(1e6)` bytes). Each request takes
 * as many params, then tags, then metrics as fit, in their given order (MLflow
 * keeps the order within each kind), measuring the UTF-8 bytes of every
 * item, so every request is within all five limits and the kinds share
 * requests (2,500 metrics + 250 params + 150 tags: three requests).
 *
 * Long values (MLflow 2.x: param values at most 6,000 characters
 * `MAX_PARAM_VAL_LENGTH`, tag values at most 8,000 `MAX_TAG_VAL_LENGTH`,
 * counted as Python does, in code points; the server refuses longer ones):
 * odelab keeps them deliberately instead of failing the run:
 *   - the value sent is cut to the limit, ending with a visible marker that
 *     names the artifact holding the rest;
 *   - the full value is logged as the run artifact
 *     `odelab/long-values/params/<key>.txt` (or `.../tags/<key>.txt`);
 *   - the run's tag `odelab.truncated_params` (or `odelab.truncated_tags`)
 *     lists the truncated keys as a sorted JSON array, merged with what the
 *     tag already held. Should that list itself pass the tag limit, it is
 *     cut too (then no longer JSON); the artifact folder lists every key.
 * Truncation is deterministic, so logging the same long param twice sends
 * the same value, as MLflow's param immutability requires.
 *
 * Keys, timestamps and steps are checked here, before any request, as the
 * file store checks them. Pure functions.
 */
import { TrackingError } from '../../errors.ts';
import { validateKey } from '../file-store-yaml.ts';
import type { LogBatch, Metric } from '../tracker.ts';
import { toMetricJson, type KeyValue, type MetricJson } from './messages.ts';

export interface LogBatchLimits {
  metrics: number;
  params: number;
  tags: number;
  total: number;
  bytes: number;
}

export const LOG_BATCH_LIMITS: Readonly<LogBatchLimits> = { metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 1_000_000 };
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const LONG_VALUES_DIR = 'odelab/long-values';
export const TRUNCATED_KEYS_TAG = { param: 'odelab.truncated_params', tag: 'odelab.truncated_tags' } as const;

export type ValueKind = 'param' | 'tag';

/** A value too long for MLflow, to be logged in full as an artifact. */
export interface LongValue {
  kind: ValueKind;
  key: string;
  /** The full value. */
  value: string;
  artifactPath: string;
}

/** The body of one `runs/log-batch` request. */
export interface LogBatchRequest {
  run_id: string;
  metrics?: MetricJson[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

const LIMIT: Record<ValueKind, number> = { param: MAX_PARAM_VALUE_LENGTH, tag: MAX_TAG_VALUE_LENGTH };
const codePoints = (s: string) => [...s].length;

/** Where the full value of a truncated param or tag is logged. */
export function longValuePath(kind: ValueKind, key: string): string {
  return `${LONG_VALUES_DIR}/${kind}s/${key}.txt`;
}

/** `value` cut to `limit` code points, ending with a marker that says where the rest is. */
export function truncateValue(value: string, limit: number, artifactPath: string): string {
  const chars = [...value];
  if (chars.length <= limit) return value;
  const marker = ` …[truncated by odelab: ${chars.length} characters; full value in artifact ${artifactPath}]`;
  const room = limit - codePoints(marker);
  if (room < 0) throw new TrackingError(`cannot truncate a value to ${limit} characters with a marker for '${artifactPath}'`);
  return chars.slice(0, room).join('') + marker;
}

/** Check what the server would refuse anyway, before any request is sent. */
export function validateBatch(batch: LogBatch): void {
  for (const m of batch.metrics ?? []) {
    validateKey('metric', m.key);
    if (typeof m.value !== 'number') throw new TrackingError(`metric '${m.key}' value must be a number, got ${String(m.value)}`);
    if (!Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
      throw new TrackingError(`metric '${m.key}' timestamp must be a non-negative integer, got ${String(m.timestamp)}`);
    }
    if (!Number.isSafeInteger(m.step)) throw new TrackingError(`metric '${m.key}' step must be an integer, got ${String(m.step)}`);
  }
  for (const [kind, record] of [['param', batch.params], ['tag', batch.tags]] as const) {
    for (const [k, v] of Object.entries(record ?? {})) {
      validateKey(kind, k);
      if (typeof v !== 'string') throw new TrackingError(`${kind} '${k}' value must be a string`);
    }
  }
}

/** The batch with over-long param and tag values truncated, and the full values to log as artifacts. */
export function truncateLongValues(batch: LogBatch): { batch: LogBatch; longValues: LongValue[] } {
  const longValues: LongValue[] = [];
  const cut = (kind: ValueKind, record: Readonly<Record<string, string>> | undefined) => {
    if (!record) return undefined;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(record)) {
      if (codePoints(value) <= LIMIT[kind]) {
        out[key] = value;
        continue;
      }
      const artifactPath = longValuePath(kind, key);
      longValues.push({ kind, key, value, artifactPath });
      out[key] = truncateValue(value, LIMIT[kind], artifactPath);
    }
    return out;
  };
  const out: LogBatch = { ...batch };
  if (batch.params) out.params = cut('param', batch.params);
  if (batch.tags) out.tags = cut('tag', batch.tags);
  return { batch: out, longValues };
}

/** The value of the tag listing truncated keys: `keys` merged with the tag's current value (a JSON array). */
export function truncatedKeysTag(keys: readonly string[], current?: string): string {
  let known: string[] = [];
  try {
    const parsed: unknown = current === undefined ? [] : JSON.parse(current);
    if (Array.isArray(parsed)) known = parsed.filter((k): k is string => typeof k === 'string');
  } catch {
    // a cut list (not JSON): start again from the keys of this batch; the artifacts list every key
  }
  const all = [...new Set([...known, ...keys])].sort();
  const json = JSON.stringify(all);
  if (codePoints(json) <= MAX_TAG_VALUE_LENGTH) return json;
  return truncateValue(json, MAX_TAG_VALUE_LENGTH, `${LONG_VALUES_DIR}/ (one file per key)`);
}

/** Split a batch into `runs/log-batch` bodies, each within `limits`, keeping the order within each kind. */
export function splitLogBatch(runId: string, batch: LogBatch, limits: LogBatchLimits = LOG_BATCH_LIMITS): LogBatchRequest[] {
  const queues = {
    params: Object.entries(batch.params ?? {}).map(([key, value]): KeyValue => ({ key, value })),
    tags: Object.entries(batch.tags ?? {}).map(([key, value]): KeyValue => ({ key, value })),
    metrics: (batch.metrics ?? []).map((m: Metric) => toMetricJson(m)),
  };
  // An upper bound of the body's fixed part: all three arrays present and empty.
  const base = Buffer.byteLength(JSON.stringify({ run_id: runId, metrics: [], params: [], tags: [] }));
  const sizeOf = (item: KeyValue | MetricJson) => Buffer.byteLength(JSON.stringify(item)) + 1; // + the separating comma
  for (const kind of ['params', 'tags', 'metrics'] as const) {
    for (const item of queues[kind]) {
      if (base + sizeOf(item) > limits.bytes) {
        throw new TrackingError(`${kind.slice(0, -1)} '${item.key}' alone is larger than MLflow's ${limits.bytes}-byte request limit`);
      }
    }
  }
  // Each request takes what fits from every queue in turn, so the kinds share requests.
  const requests: LogBatchRequest[] = [];
  const next = { params: 0, tags: 0, metrics: 0 };
  const left = () => next.params < queues.params.length || next.tags < queues.tags.length || next.metrics < queues.metrics.length;
  while (left()) {
    const request: LogBatchRequest = { run_id: runId };
    let total = 0;
    let bytes = base;
    for (const kind of ['params', 'tags', 'metrics'] as const) {
      const queue = queues[kind] as (KeyValue | MetricJson)[];
      const taken: (KeyValue | MetricJson)[] = [];
      while (next[kind] < queue.length && taken.length < limits[kind] && total < limits.total) {
        const size = sizeOf(queue[next[kind]]!);
        if (bytes + size > limits.bytes) break;
        taken.push(queue[next[kind]++]!);
        total++;
        bytes += size;
      }
      if (taken.length > 0) (request as unknown as Record<string, unknown>)[kind] = taken;
    }
    requests.push(request);
  }
  return requests;
}
