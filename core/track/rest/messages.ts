/**
 * MLflow's REST messages (API 2.0, protobuf JSON) and their conversion to
 * and from odelab's tracking types.
 *
 * Metric values: protobuf's JSON mapping writes NaN and ±Infinity as the
 * strings "NaN", "Infinity" and "-Infinity"; finite values are JSON numbers.
 * int64 fields (timestamps, steps) may come back as numbers or as decimal
 * strings depending on the server's JSON writer: both are read.
 */
import { TrackingError } from '../../errors.ts';
import type { Metric, RunData, RunInfo, RunStatus } from '../tracker.ts';

export interface KeyValue {
  key: string;
  value: string;
}

export type MetricValueJson = number | 'NaN' | 'Infinity' | '-Infinity';

export interface MetricJson {
  key: string;
  value: MetricValueJson;
  timestamp: number;
  step: number;
}

/** `mlflow.RunInfo` as the server writes it (fields it may leave out are optional). */
export interface RunInfoJson {
  run_id?: string;
  run_uuid?: string;
  experiment_id?: string;
  run_name?: string;
  status?: string;
  start_time?: number | string;
  end_time?: number | string | null;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface RunJson {
  info?: RunInfoJson;
  data?: { metrics?: unknown[]; params?: KeyValue[]; tags?: KeyValue[] };
}

export interface ExperimentJson {
  experiment_id?: string;
  name?: string;
  lifecycle_stage?: string;
  artifact_location?: string;
}

const STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** A metric value for MLflow's JSON: a number, or "NaN" / "Infinity" / "-Infinity". */
export function encodeMetricValue(v: number): MetricValueJson {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** A metric value read from MLflow's JSON (numbers, the three special strings, or a decimal string). */
export function decodeMetricValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new TrackingError(`MLflow server sent a metric value that is not a number: ${JSON.stringify(v)}`);
}

/** An int64 field (a JSON number or a decimal string). */
export function readInteger(what: string, v: unknown): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new TrackingError(`MLflow server sent ${what} that is not an integer: ${JSON.stringify(v)}`);
  }
  return n;
}

export function toKeyValues(record: Readonly<Record<string, string>> | undefined): KeyValue[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
}

export function fromKeyValues(list: readonly KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of list ?? []) out[key] = value;
  return out;
}

export function toMetricJson(m: Metric): MetricJson {
  return { key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step };
}

export function fromMetricJson(m: unknown): Metric {
  const o = m as { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown };
  if (typeof o?.key !== 'string') throw new TrackingError(`MLflow server sent a metric without a key: ${JSON.stringify(m)}`);
  return {
    key: o.key,
    value: decodeMetricValue(o.value),
    timestamp: readInteger(`metric '${o.key}' timestamp`, o.timestamp ?? 0),
    step: readInteger(`metric '${o.key}' step`, o.step ?? 0),
  };
}

export function toRunInfo(info: RunInfoJson | undefined, tags: Record<string, string> = {}): RunInfo {
  const runId = info?.run_id ?? info?.run_uuid;
  if (!info || typeof runId !== 'string' || typeof info.experiment_id !== 'string') {
    throw new TrackingError(`MLflow server sent a run without run_id or experiment_id: ${JSON.stringify(info)}`);
  }
  const status = (info.status ?? 'RUNNING') as RunStatus;
  if (!STATUSES.includes(status)) throw new TrackingError(`MLflow server sent run ${runId} with an unknown status '${info.status}'`);
  const out: RunInfo = {
    runId,
    experimentId: info.experiment_id,
    runName: info.run_name || tags['mlflow.runName'] || '',
    artifactUri: info.artifact_uri ?? '',
    status,
    startTime: readInteger('start_time', info.start_time ?? 0),
  };
  if (info.end_time !== undefined && info.end_time !== null) out.endTime = readInteger('end_time', info.end_time);
  return out;
}

export function toRunData(run: RunJson | undefined): RunData {
  const params = fromKeyValues(run?.data?.params);
  const tags = fromKeyValues(run?.data?.tags);
  const metrics: Record<string, number> = {};
  for (const m of run?.data?.metrics ?? []) {
    const metric = fromMetricJson(m);
    metrics[metric.key] = metric.value;
  }
  return { info: toRunInfo(run?.info, tags), params, tags, metrics };
}
