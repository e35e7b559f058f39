// Splitting a LogBatch into MLflow runs/log-batch requests, long-value
// truncation, and the JSON spelling of metric values (pure functions).
import test from 'ava';
import { TrackingError } from '../../../core/errors.ts';
import {
  LOG_BATCH_LIMITS,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  splitLogBatch,
  truncatedKeysTag,
  truncateLongValues,
  truncateValue,
  validateBatch,
  type LogBatchRequest,
} from '../../../core/track/rest/log-batch.ts';
import { decodeMetricValue, encodeMetricValue, toRunInfo, type MetricValueJson } from '../../../core/track/rest/messages.ts';
import type { LogBatch, Metric } from '../../../core/track/tracker.ts';

const RUN = '0123456789abcdef0123456789abcdef';

function metrics(n: number, key = (i: number) => `m${i % 7}`): Metric[] {
  return Array.from({ length: n }, (_, i) => ({ key: key(i), value: i / 3, timestamp: 1_700_000_000_000 + i, step: i }));
}

function record(n: number, prefix: string, value = (i: number) => `v${i}`): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value(i)]));
}

function checkWithinLimits(t: { true(v: boolean, m?: string): void }, requests: LogBatchRequest[]): void {
  for (const [i, r] of requests.entries()) {
    const [m, p, g] = [r.metrics?.length ?? 0, r.params?.length ?? 0, r.tags?.length ?? 0];
    t.true(m <= LOG_BATCH_LIMITS.metrics && p <= LOG_BATCH_LIMITS.params && g <= LOG_BATCH_LIMITS.tags, `request ${i}: ${m}/${p}/${g}`);
    t.true(m + p + g <= LOG_BATCH_LIMITS.total, `request ${i}: ${m + p + g} items`);
    t.true(Buffer.byteLength(JSON.stringify(r)) <= LOG_BATCH_LIMITS.bytes, `request ${i}: ${Buffer.byteLength(JSON.stringify(r))} bytes`);
    t.true(m + p + g > 0, `request ${i} is not empty`);
  }
}

test("MLflow's documented limits", (t) => {
  t.deepEqual({ ...LOG_BATCH_LIMITS }, { metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 1_000_000 });
  t.is(MAX_PARAM_VALUE_LENGTH, 6000);
  t.is(MAX_TAG_VALUE_LENGTH, 8000);
});

test('2,500 metrics + 250 params + 150 tags: every request within limits, nothing lost, order kept', (t) => {
  const batch: LogBatch = { metrics: metrics(2500), params: record(250, 'p'), tags: record(150, 't') };
  const requests = splitLogBatch(RUN, batch);
  checkWithinLimits(t, requests);
  t.true(requests.every((r) => r.run_id === RUN));
  t.deepEqual(requests.flatMap((r) => r.params ?? []), Object.entries(batch.params!).map(([key, value]) => ({ key, value })));
  t.deepEqual(requests.flatMap((r) => r.tags ?? []), Object.entries(batch.tags!).map(([key, value]) => ({ key, value })));
  t.deepEqual(requests.flatMap((r) => r.metrics ?? []), batch.metrics!.map((m) => ({ ...m })));
  // 2,900 items: three requests of at most 1,000, each with up to 100 params and 100 tags.
  t.is(requests.length, 3);
});

test('the 1 MB body limit splits batches whose counts alone would fit', (t) => {
  const batch: LogBatch = {
    params: record(100, 'p', (i) => `${i}`.padEnd(5900, 'x')),
    tags: record(100, 't', (i) => `${i}`.padEnd(7900, 'é')), // 2 bytes each in UTF-8
  };
  const requests = splitLogBatch(RUN, batch);
  t.true(requests.length >= 3, `${requests.length} requests`);
  checkWithinLimits(t, requests);
  t.is(requests.flatMap((r) => r.params ?? []).length, 100);
  t.is(requests.flatMap((r) => r.tags ?? []).length, 100);
  t.deepEqual(splitLogBatch(RUN, {}), [], 'an empty batch sends nothing');
});

test('metric values: NaN and ±Infinity as the strings protobuf JSON uses, and back', (t) => {
  const cases: [number, MetricValueJson][] = [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [1.5, 1.5], [0, 0], [-2e-300, -2e-300]];
  for (const [v, json] of cases) {
    t.is(encodeMetricValue(v), json);
    t.true(Object.is(decodeMetricValue(json), v) || (v === 0 && decodeMetricValue(json) === 0), String(v));
  }
  t.is(decodeMetricValue('2.5'), 2.5, 'a decimal string, as some JSON writers send doubles');
  t.throws(() => decodeMetricValue('nan?'), { instanceOf: TrackingError });
  const [req] = splitLogBatch(RUN, { metrics: [{ key: 'loss', value: NaN, timestamp: 1, step: 0 }, { key: 'loss', value: -Infinity, timestamp: 2, step: 1 }] });
  t.is(JSON.stringify(req!.metrics), '[{"key":"loss","value":"NaN","timestamp":1,"step":0},{"key":"loss","value":"-Infinity","timestamp":2,"step":1}]');
});

test('long values are cut to the limit with a marker naming the artifact; short ones are untouched', (t) => {
  const long = 'a'.repeat(7000);
  const { batch, longValues } = truncateLongValues({ params: { ok: 'short', 'model/spec': long }, tags: { note: 'b'.repeat(9000), fine: 'x' } });
  t.is(batch.params!.ok, 'short');
  t.is(batch.tags!.fine, 'x');
  const cut = batch.params!['model/spec']!;
  t.is(cut.length, MAX_PARAM_VALUE_LENGTH);
  t.true(cut.startsWith('aaaa'));
  t.regex(cut, /…\[truncated by odelab: 7000 characters; full value in artifact odelab\/long-values\/params\/model\/spec\.txt\]$/);
  t.is([...batch.tags!.note!].length, MAX_TAG_VALUE_LENGTH);
  t.deepEqual(longValues, [
    { kind: 'param', key: 'model/spec', value: long, artifactPath: 'odelab/long-values/params/model/spec.txt' },
    { kind: 'tag', key: 'note', value: 'b'.repeat(9000), artifactPath: 'odelab/long-values/tags/note.txt' },
  ]);
  t.is(truncateLongValues({ params: { 'model/spec': long } }).batch.params!['model/spec'], cut, 'deterministic: params stay immutable');
  t.is(truncateValue('x'.repeat(6000), 6000, 'p'), 'x'.repeat(6000), 'exactly at the limit: kept');
});

test('lengths count code points as Python does, and a surrogate pair is never split', (t) => {
  const emoji = '😀'.repeat(6001); // 6,001 code points, 12,002 UTF-16 units
  const cut = truncateValue(emoji, 6000, 'odelab/long-values/params/e.txt');
  t.is([...cut].length, 6000);
  t.false(/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), 'no lone high surrogate');
  t.is(truncateLongValues({ params: { e: '😀'.repeat(6000) } }).longValues.length, 0, '6,000 code points fit');
});

test('the truncated-keys tag merges with its current value, sorted, as a JSON array', (t) => {
  t.is(truncatedKeysTag(['b', 'a']), '["a","b"]');
  t.is(truncatedKeysTag(['c', 'a'], '["a","b"]'), '["a","b","c"]');
  t.is(truncatedKeysTag(['x'], 'not json'), '["x"]');
  const many = Array.from({ length: 100 }, (_, i) => `${'k'.repeat(200)}${i}`);
  const tag = truncatedKeysTag(many);
  t.is([...tag].length, MAX_TAG_VALUE_LENGTH, 'a list past the tag limit is cut too');
  t.regex(tag, /truncated by odelab/);
});

test('keys, values, timestamps and steps are checked before any request', (t) => {
  const bad: LogBatch[] = [
    { metrics: [{ key: '../x', value: 1, timestamp: 1, step: 0 }] },
    { metrics: [{ key: 'm', value: '1' as unknown as number, timestamp: 1, step: 0 }] },
    { metrics: [{ key: 'm', value: 1, timestamp: 1.5, step: 0 }] },
    { metrics: [{ key: 'm', value: 1, timestamp: 1, step: NaN }] },
    { params: { 'a*b': '1' } },
    { params: { p: 1 as unknown as string } },
    { tags: { ['x'.repeat(251)]: 'v' } },
  ];
  for (const b of bad) t.throws(() => validateBatch(b), { instanceOf: TrackingError }, JSON.stringify(b).slice(0, 60));
  t.notThrows(() => validateBatch({ metrics: metrics(3), params: { 'a b/c:d': '1' }, tags: { 'mlflow.user': 'ada' } }));
});

test('run info from the server: int64 as numbers or strings, end_time only when set', (t) => {
  const info = toRunInfo({ run_id: 'r1', experiment_id: '3', status: 'FINISHED', start_time: '1700000000000', end_time: 1700000000500, artifact_uri: 'mlflow-artifacts:/3/r1/artifacts', run_name: 'x' });
  t.deepEqual(info, { runId: 'r1', experimentId: '3', runName: 'x', artifactUri: 'mlflow-artifacts:/3/r1/artifacts', status: 'FINISHED', startTime: 1700000000000, endTime: 1700000000500 });
  t.is(toRunInfo({ run_uuid: 'r2', experiment_id: '0', start_time: 5 }).endTime, undefined);
  t.throws(() => toRunInfo({ run_id: 'r', experiment_id: '0', status: 'DONE' }), { instanceOf: TrackingError, message: /unknown status 'DONE'/ });
});
