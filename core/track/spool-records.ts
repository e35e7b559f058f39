/**
 * The records of a run's spool and their one-line JSON form.
 *
 * A record is one logging call: params, tags, metric points, an artifact
 * (its bytes live in a blob file beside records.jsonl) or the run's final
 * status. Each carries a sequence number (1, 2, ... in the order the calls
 * were made) and the time it was logged.
 *
 * Records are cut to MLflow's per-request limits when they are made (100
 * params, 100 tags, 1000 metric points, 1000 entities in all), so that the
 * sender can combine consecutive params/tags/metrics records into one
 * `logBatch` that the server applies as one request: a batch is then either
 * applied or not, never half (see spool-sender.ts).
 *
 * Metric values may be NaN or ±Infinity, which JSON cannot hold: they are
 * written as the strings "NaN", "Infinity", "-Infinity".
 */
import { TrackingError } from '../errors.ts';
import type { LogBatch, Metric, RunStatus } from './tracker.ts';

/** MLflow's limits on one log-batch request (mlflow/utils/validation.py). */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, entities: 1000 } as const;

export type RecordBody =
  | { kind: 'params'; params: Record<string, string> }
  | { kind: 'tags'; tags: Record<string, string> }
  | { kind: 'metrics'; metrics: Metric[] }
  /** `blob`: the file holding the bytes, relative to the run's spool folder. */
  | { kind: 'artifact'; path: string; blob: string }
  | { kind: 'end'; status: RunStatus; endTime: number };

export type SpoolRecord = RecordBody & {
  seq: number;
  /** Milliseconds since the epoch, when the call was made. */
  time: number;
};

const STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One logging call as records that each fit one request (none for an empty call). */
export function splitToLimits(body: RecordBody): RecordBody[] {
  switch (body.kind) {
    case 'params':
      return chunks(Object.entries(body.params), BATCH_LIMITS.params).map((c) => ({ kind: 'params', params: Object.fromEntries(c) }));
    case 'tags':
      return chunks(Object.entries(body.tags), BATCH_LIMITS.tags).map((c) => ({ kind: 'tags', tags: Object.fromEntries(c) }));
    case 'metrics':
      return chunks(body.metrics, BATCH_LIMITS.metrics).map((c) => ({ kind: 'metrics', metrics: c }));
    default:
      return [body];
  }
}

function encodeValue(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** A value that isMetric accepted: a number or one of the three non-finite strings. */
function decodeValue(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The record as one line of JSON, newline included. */
export function encodeRecord(r: SpoolRecord): string {
  const out = r.kind === 'metrics' ? { ...r, metrics: r.metrics.map((m) => ({ ...m, value: encodeValue(m.value) })) } : r;
  return `${JSON.stringify(out)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((x) => typeof x === 'string');

function isMetric(m: unknown): boolean {
  if (!isObject(m) || typeof m.key !== 'string' || !isInt(m.timestamp) || !isInt(m.step)) return false;
  return typeof m.value === 'number' || m.value === 'NaN' || m.value === 'Infinity' || m.value === '-Infinity';
}

function bodyIsValid(o: Record<string, unknown>): boolean {
  switch (o.kind) {
    case 'params':
      return isStringMap(o.params);
    case 'tags':
      return isStringMap(o.tags);
    case 'metrics':
      return Array.isArray(o.metrics) && o.metrics.every(isMetric);
    case 'artifact':
      return typeof o.path === 'string' && typeof o.blob === 'string';
    case 'end':
      return STATUSES.includes(o.status as RunStatus) && isInt(o.endTime);
    default:
      return false;
  }
}

/** Parse one line of records.jsonl; a TrackingError naming `where` if it is not a record. */
export function decodeRecord(line: string, where: string): SpoolRecord {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new TrackingError(`${where}: not JSON: ${(e as Error).message}`);
  }
  if (!isObject(o) || !isInt(o.seq) || o.seq < 1 || !isInt(o.time) || !bodyIsValid(o)) {
    throw new TrackingError(`${where}: not a spool record: ${line.slice(0, 200)}`);
  }
  const r = o as SpoolRecord;
  if (r.kind !== 'metrics') return r;
  return { ...r, metrics: r.metrics.map((m) => ({ ...m, value: decodeValue(m.value as number | string) })) };
}

/** Records that go to the server as one logBatch call. */
export interface BatchGroup {
  records: SpoolRecord[];
  batch: LogBatch;
}

/**
 * The longest run of params/tags/metrics records at the head of `pending`
 * that fits one request. A param logged twice with different values ends
 * the group, so that the server judges the second value as it would have
 * without combining. Undefined when the head is an artifact or the end.
 */
export function takeBatch(pending: readonly SpoolRecord[]): BatchGroup | undefined {
  const metrics: Metric[] = [];
  const params = new Map<string, string>();
  const tags = new Map<string, string>();
  const records: SpoolRecord[] = [];
  for (const r of pending) {
    if (r.kind === 'artifact' || r.kind === 'end') break;
    let add = { metrics: 0, params: 0, tags: 0 };
    if (r.kind === 'metrics') add = { ...add, metrics: r.metrics.length };
    if (r.kind === 'params') {
      const entries = Object.entries(r.params);
      if (entries.some(([k, v]) => params.has(k) && params.get(k) !== v)) break;
      add = { ...add, params: entries.filter(([k]) => !params.has(k)).length };
    }
    if (r.kind === 'tags') add = { ...add, tags: Object.keys(r.tags).filter((k) => !tags.has(k)).length };
    const fits =
      metrics.length + add.metrics <= BATCH_LIMITS.metrics &&
      params.size + add.params <= BATCH_LIMITS.params &&
      tags.size + add.tags <= BATCH_LIMITS.tags &&
      metrics.length + params.size + tags.size + add.metrics + add.params + add.tags <= BATCH_LIMITS.entities;
    if (!fits && records.length > 0) break;
    records.push(r);
    if (r.kind === 'metrics') metrics.push(...r.metrics);
    if (r.kind === 'params') for (const [k, v] of Object.entries(r.params)) params.set(k, v);
    if (r.kind === 'tags') for (const [k, v] of Object.entries(r.tags)) tags.set(k, v);
  }
  if (records.length === 0) return undefined;
  const batch: LogBatch = {};
  if (metrics.length) batch.metrics = metrics;
  if (params.size) batch.params = Object.fromEntries(params);
  if (tags.size) batch.tags = Object.fromEntries(tags);
  return { records, batch };
}
