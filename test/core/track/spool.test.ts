// The run spool on disk: records and their JSON lines, batching to MLflow's limits,
// a torn last line, acknowledgements, the owner lock, and the settings' validation.
import test from 'ava';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.ts';
import { RunSpool, SPOOL_FILES } from '../../../core/track/spool.ts';
import { DEFAULT_FLUSH_TIMEOUT_S, spoolSettings } from '../../../core/track/spool-config.ts';
import { readOwner, takeOwnership } from '../../../core/track/spool-owner.ts';
import { BATCH_LIMITS, decodeRecord, encodeRecord, splitToLimits, takeBatch, type SpoolRecord } from '../../../core/track/spool-records.ts';

async function tempRoot(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-spool-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'spool');
}

const metric = (key: string, step: number, value = step) => ({ key, value, step, timestamp: 1000 + step });
const rec = (seq: number, body: Parameters<typeof splitToLimits>[0]): SpoolRecord => ({ ...body, seq, time: 1 }) as SpoolRecord;

test('records round-trip through their JSON line, non-finite values included', (t) => {
  const r: SpoolRecord = { kind: 'metrics', seq: 3, time: 5, metrics: [metric('a', 1, Number.NaN), metric('a', 2, Infinity), metric('b', 1, -Infinity), metric('b', 2, 0.5)] };
  const line = encodeRecord(r);
  t.true(line.endsWith('\n'));
  t.is(line.split('\n').length, 2, 'one line');
  t.deepEqual(decodeRecord(line.trim(), 'x'), r);
  const end: SpoolRecord = { kind: 'end', seq: 9, time: 7, status: 'KILLED', endTime: 7 };
  t.deepEqual(decodeRecord(encodeRecord(end), 'x'), end);
  t.throws(() => decodeRecord('{"seq":1,"time":1,"kind":"end","status":"DONE","endTime":1}', 'f line 1'), { message: /f line 1: not a spool record/ });
  t.throws(() => decodeRecord('{"seq":1,"ti', 'f line 2'), { message: /f line 2: not JSON/ });
});

test('a logging call is cut to the per-request limits; consecutive records are combined up to them', (t) => {
  const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)]));
  const parts = splitToLimits({ kind: 'params', params });
  t.deepEqual(parts.map((p) => (p.kind === 'params' ? Object.keys(p.params).length : 0)), [100, 100, 50]);
  const metrics = Array.from({ length: 2500 }, (_, i) => metric('m', i));
  t.deepEqual(splitToLimits({ kind: 'metrics', metrics }).map((p) => (p.kind === 'metrics' ? p.metrics.length : 0)), [1000, 1000, 500]);
  t.deepEqual(splitToLimits({ kind: 'tags', tags: {} }), []);

  const pending = [
    rec(1, { kind: 'params', params: { a: '1' } }),
    rec(2, { kind: 'metrics', metrics: [metric('m', 1)] }),
    rec(3, { kind: 'tags', tags: { t: 'x' } }),
    rec(4, { kind: 'metrics', metrics: [metric('m', 2)] }),
    rec(5, { kind: 'artifact', path: 'a.txt', blob: 'blobs/5' }),
    rec(6, { kind: 'metrics', metrics: [metric('m', 3)] }),
  ];
  const group = takeBatch(pending)!;
  t.deepEqual(group.records.map((r) => r.seq), [1, 2, 3, 4], 'stops at the artifact');
  t.deepEqual(group.batch, { params: { a: '1' }, tags: { t: 'x' }, metrics: [metric('m', 1), metric('m', 2)] });
  t.is(takeBatch(pending.slice(4)), undefined);

  const full = [rec(1, { kind: 'metrics', metrics: Array.from({ length: 900 }, (_, i) => metric('m', i)) }), rec(2, { kind: 'metrics', metrics: Array.from({ length: 200 }, (_, i) => metric('m', i)) })];
  t.deepEqual(takeBatch(full)!.records.map((r) => r.seq), [1], 'never more than 1000 points in one request');
  const entities = [rec(1, { kind: 'metrics', metrics: Array.from({ length: 950 }, (_, i) => metric('m', i)) }), rec(2, { kind: 'params', params: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`p${i}`, 'v'])) })];
  t.deepEqual(takeBatch(entities)!.records.map((r) => r.seq), [1], `never more than ${BATCH_LIMITS.entities} entities`);
  const changed = [rec(1, { kind: 'params', params: { a: '1' } }), rec(2, { kind: 'params', params: { a: '1' } }), rec(3, { kind: 'params', params: { a: '2' } })];
  t.deepEqual(takeBatch(changed)!.records.map((r) => r.seq), [1, 2], 'a changed param starts a new request, so the server judges it');
});

test('appends are on disk when they return; a torn last line (crash mid-append) is ignored and cut before appending', async (t) => {
  const root = await tempRoot(t);
  const { spool, ownership } = await RunSpool.create(root, { trackingUri: 'https://user:secret@mlflow.example/', runId: 'abc123', experimentId: '7' });
  t.is(spool.meta.trackingUri, 'https://mlflow.example/', 'credentials are never stored');
  t.deepEqual(spool.append({ kind: 'params', params: { lr: '0.1' } }).map((r) => r.seq), [1]);
  t.deepEqual(spool.append({ kind: 'metrics', metrics: [metric('loss', 1)] }).map((r) => r.seq), [2]);
  t.is(spool.appendArtifact('plots/a.svg', new Uint8Array([1, 2, 3])).seq, 3);
  const file = join(spool.dir, SPOOL_FILES.records);
  t.is(readFileSync(file, 'utf8').trim().split('\n').length, 3);
  t.deepEqual([...readFileSync(join(spool.dir, 'blobs/3'))], [1, 2, 3]);
  await ownership.release();

  appendFileSync(file, '{"seq":4,"time":1,"kind":"metr'); // the process died in the middle of this write
  const reopened = await RunSpool.open(spool.dir);
  const state = await reopened.state();
  t.deepEqual(state.records.map((r) => r.seq), [1, 2, 3]);
  t.true(state.tornBytes > 0);
  await reopened.repairTail();
  t.deepEqual(reopened.append({ kind: 'end', status: 'FAILED', endTime: 5 }).map((r) => r.seq), [4]);
  const after = await (await RunSpool.open(spool.dir)).state();
  t.deepEqual(after.records.map((r) => r.kind), ['params', 'metrics', 'artifact', 'end']);
  t.is(after.tornBytes, 0);
});

test('acknowledged records are not pending; their blobs go; the folder goes when all is acknowledged, stays with rejections', async (t) => {
  const root = await tempRoot(t);
  const { spool, ownership } = await RunSpool.create(root, { trackingUri: 'fake://x', runId: 'r1', experimentId: '0' });
  const records = [...spool.append({ kind: 'tags', tags: { a: 'b' } }), spool.appendArtifact('x.txt', 'hello'), ...spool.append({ kind: 'end', status: 'FINISHED', endTime: 1 })];
  await spool.ack(records.slice(0, 2));
  const state = await spool.state();
  t.is(state.acked, 2);
  t.deepEqual(state.pending.map((r) => r.seq), [3]);
  t.false(existsSync(join(spool.dir, 'blobs/2')));
  await t.throwsAsync(spool.finish(), { message: /1 pending/ });
  await spool.ack(records.slice(2));
  t.is(await spool.finish(), 'removed');
  t.false(existsSync(spool.dir));
  await ownership.release();

  const second = await RunSpool.create(root, { trackingUri: 'fake://x', runId: 'r2', experimentId: '0' });
  const [bad] = second.spool.append({ kind: 'params', params: { a: '1' } });
  await second.spool.reject(bad!, 'INVALID_PARAMETER_VALUE');
  await second.spool.ack([bad!]);
  t.is(await second.spool.finish(), 'kept');
  t.is((await second.spool.state()).rejected, 1);
  t.regex(readFileSync(join(second.spool.dir, SPOOL_FILES.rejected), 'utf8'), /"seq":1.*"error":"INVALID_PARAMETER_VALUE"/);
  await second.ownership.release();
});

test('the owner lock: held by a live process it cannot be taken; released, it can', async (t) => {
  const root = await tempRoot(t);
  const { spool, ownership } = await RunSpool.create(root, { trackingUri: 'fake://x', runId: 'r1', experimentId: '0' });
  t.deepEqual(await readOwner(spool.dir), { pid: process.pid, host: hostname() });
  t.is(await takeOwnership(spool.dir), undefined, 'this process is alive');
  await t.throwsAsync(RunSpool.create(root, { trackingUri: 'fake://x', runId: 'r1', experimentId: '0' }), { message: /cannot create the spool folder/ });
  await ownership.release();
  const again = await takeOwnership(spool.dir);
  t.truthy(again);
  await again!.release();
  t.deepEqual(await RunSpool.list(root), [spool.dir]);
});

test('spool settings: defaults, and invalid values name the variable', (t) => {
  t.deepEqual(spoolSettings({}, {}), { root: join(homedir(), '.cache', 'odelab', 'spool'), flushTimeoutMs: DEFAULT_FLUSH_TIMEOUT_S * 1000 });
  t.is(spoolSettings({}, { XDG_CACHE_HOME: '/var/cache/me' }).root, '/var/cache/me/odelab/spool');
  t.is(spoolSettings({}, { XDG_CACHE_HOME: 'relative' }).root, join(homedir(), '.cache', 'odelab', 'spool'), 'a relative XDG_CACHE_HOME is ignored');
  t.deepEqual(spoolSettings({}, { ODELAB_SPOOL_DIR: '/tmp/s', ODELAB_FLUSH_TIMEOUT: '2.5' }), { root: '/tmp/s', flushTimeoutMs: 2500 });
  t.is(spoolSettings({}, { ODELAB_FLUSH_TIMEOUT: '0' }).flushTimeoutMs, 0);
  for (const bad of ['soon', '-1', '1e3x', '100000']) {
    const e = t.throws(() => spoolSettings({}, { ODELAB_FLUSH_TIMEOUT: bad }), { instanceOf: ConfigError });
    t.is(e?.path, 'ODELAB_FLUSH_TIMEOUT');
    t.regex(e?.message ?? '', /ODELAB_FLUSH_TIMEOUT must be a number of seconds/);
  }
  const e = t.throws(() => spoolSettings({}, { ODELAB_SPOOL_DIR: 'relative/spool' }), { instanceOf: ConfigError });
  t.is(e?.path, 'ODELAB_SPOOL_DIR');
  t.regex(e?.message ?? '', /ODELAB_SPOOL_DIR must be an absolute folder path, got 'relative\/spool'/);
  t.throws(() => spoolSettings({ flushTimeoutS: -1 }, {}), { message: /flushTimeoutS must be/ });
});
