// The mlflow-rest tracker against the fake MLflow server: the run lifecycle,
// the get-or-create race, batch limits, NaN/±Infinity, long values, the
// artifact proxy and local artifact folders, path checks before any request,
// and the same results as the file store for the same calls.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrackingError, TrackingUnavailableError, type LogBatch, type Tracker } from 'odelab/plugin';
import { createRegistry, selectTracker } from 'odelab/node';
import { MlflowApiError } from '../../../core/track/rest/errors.ts';
import type { LogBatchRequest } from '../../../core/track/rest/log-batch.ts';
import tracker, { MlflowRestTracker } from '../../../plugins/trackers/mlflow-rest.ts';
import { MlflowFileStore } from '../../../plugins/trackers/mlflow-file.ts';
import { FAKE_LIMITS, FakeMlflowServer, type FakeMlflowServerOptions } from '../../helpers/fake-mlflow-server.ts';

type T = { teardown(fn: () => Promise<void>): void };

async function setup(t: T, options: FakeMlflowServerOptions = {}): Promise<{ server: FakeMlflowServer; store: MlflowRestTracker }> {
  const server = await FakeMlflowServer.start(options);
  t.teardown(() => server.stop());
  const store = new MlflowRestTracker(server.url, { env: {}, maxRetries: 2, backoffFactor: 0, backoffJitter: 0, timeout: 5 });
  return { server, store };
}

async function tempDir(t: T): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-rest-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const TAGS = { 'mlflow.user': 'ada', 'mlflow.source.name': 'exp.ts', 'mlflow.source.type': 'LOCAL' };

test('registered for http and https URIs, remote, with a uri free of credentials', (t) => {
  const registry = createRegistry();
  t.deepEqual(registry.list('tracker').find((p) => p.name === 'mlflow-rest')?.schemes, ['http', 'https']);
  const chosen = selectTracker(registry, 'https://ada:secret-pw@mlflow.example:5000/prefix/');
  t.true(chosen instanceof MlflowRestTracker);
  t.true(chosen.remote);
  t.is(chosen.uri, 'https://mlflow.example:5000/prefix');
  t.is(selectTracker(registry, './mlruns').remote, false);
  t.is(tracker.name, 'mlflow-rest');
});

test('a run through its whole lifecycle, read back', async (t) => {
  const { server, store } = await setup(t);
  const expId = await store.getOrCreateExperiment('spiral: lnn');
  t.is(await store.getOrCreateExperiment('spiral: lnn'), expId);
  t.is(server.requestsTo('mlflow/experiments/create').length, 1, 'found by name the second time');

  const run = await store.createRun({ experimentId: expId, runName: 'trial-1', startTime: 1_700_000_000_000, tags: { ...TAGS, 'mlflow.parentRunId': 'p0' } });
  t.deepEqual(run, {
    runId: run.runId, experimentId: expId, runName: 'trial-1', artifactUri: `mlflow-artifacts:/${expId}/${run.runId}/artifacts`, status: 'RUNNING', startTime: 1_700_000_000_000,
  });
  const sent = JSON.parse(server.requestsTo('mlflow/runs/create')[0]!.body.toString());
  t.like(sent, { experiment_id: expId, run_name: 'trial-1', start_time: 1_700_000_000_000, user_id: 'ada' });
  t.deepEqual(sent.tags, Object.entries({ ...TAGS, 'mlflow.parentRunId': 'p0' }).map(([key, value]) => ({ key, value })));

  await store.logBatch(run.runId, {
    params: { lr: '0.001', 'model/hidden': '64' },
    tags: { phase: 'train' },
    metrics: [
      { key: 'loss', value: 0.5, timestamp: 1_700_000_000_001, step: 0 },
      { key: 'loss', value: NaN, timestamp: 1_700_000_000_002, step: 1 },
      { key: 'loss', value: Infinity, timestamp: 1_700_000_000_003, step: 2 },
      { key: 'val/energy drift', value: -Infinity, timestamp: 1_700_000_000_003, step: 2 },
    ],
  });
  await store.updateRun(run.runId, { status: 'FINISHED', endTime: 1_700_000_009_999 });

  const fake = server.run(run.runId);
  t.like(fake, { status: 'FINISHED', endTime: 1_700_000_009_999, params: { lr: '0.001', 'model/hidden': '64' } });
  t.deepEqual(fake.metrics.map((m) => m.value), [0.5, NaN, Infinity, -Infinity], 'NaN and ±Infinity arrive as such');

  const data = await store.getRun(run.runId);
  t.deepEqual(data.info, { ...run, status: 'FINISHED', endTime: 1_700_000_009_999 });
  t.deepEqual(data.params, { lr: '0.001', 'model/hidden': '64' });
  t.deepEqual(data.tags, { ...TAGS, 'mlflow.parentRunId': 'p0', 'mlflow.runName': 'trial-1', phase: 'train' });
  t.deepEqual(data.metrics, { loss: Infinity, 'val/energy drift': -Infinity });
  t.deepEqual((await store.getMetricHistory(run.runId, 'loss')).map((m) => [m.value, m.step]), [[0.5, 0], [NaN, 1], [Infinity, 2]]);
  t.deepEqual(await store.getMetricHistory(run.runId, 'never/logged'), []);
});

test('metric history follows page tokens', async (t) => {
  const { server, store } = await setup(t, { historyPageSize: 3 });
  const run = await store.createRun({ experimentId: '0', runName: 'pages', startTime: 1, tags: {} });
  const metrics = Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 100 + i, step: i }));
  await store.logBatch(run.runId, { metrics });
  t.deepEqual(await store.getMetricHistory(run.runId, 'loss'), metrics);
  t.deepEqual(server.requestsTo('mlflow/metrics/get-history').map((r) => r.query.page_token ?? ''), ['', 'Mw==', 'Ng==', 'OQ==']);
});

test('getOrCreateExperiment: another worker wins the create race, its experiment is used', async (t) => {
  const { server, store } = await setup(t);
  server.raceNextCreate();
  const id = await store.getOrCreateExperiment('contended');
  t.is(server.experiments().filter((e) => e.name === 'contended').length, 1);
  t.is(id, server.experiments().find((e) => e.name === 'contended')!.experimentId);
  t.deepEqual(server.requests.map((r) => `${r.endpoint} ${r.status}`), [
    'mlflow/experiments/get-by-name 404', 'mlflow/experiments/create 400', 'mlflow/experiments/get-by-name 200',
  ]);
  server.deleteExperiment(id);
  await t.throwsAsync(store.getOrCreateExperiment('contended'), { instanceOf: TrackingError, message: /deleted state.*restore/ });
});

test('2,500 metrics + 250 params + 150 tags arrive completely, every request within limits', async (t) => {
  const { server, store } = await setup(t);
  const run = await store.createRun({ experimentId: '0', runName: 'big', startTime: 1, tags: {} });
  const batch: LogBatch = {
    metrics: Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 5}`, value: i, timestamp: 1000 + i, step: i })),
    params: Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, `${i}`])),
    tags: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, `${i}`])),
  };
  await store.logBatch(run.runId, batch);
  const fake = server.run(run.runId);
  t.deepEqual(fake.metrics, batch.metrics);
  t.deepEqual(fake.params, batch.params);
  t.like(fake.tags, batch.tags!);
  const requests = server.requestsTo('mlflow/runs/log-batch');
  t.is(requests.length, 3);
  for (const r of requests) {
    const body = JSON.parse(r.body.toString()) as LogBatchRequest;
    const [m, p, g] = [body.metrics?.length ?? 0, body.params?.length ?? 0, body.tags?.length ?? 0];
    t.true(m <= FAKE_LIMITS.metrics && p <= FAKE_LIMITS.params && g <= FAKE_LIMITS.tags && m + p + g <= FAKE_LIMITS.total && r.body.length <= FAKE_LIMITS.bytes);
    t.is(r.status, 200);
  }
});

test('a split batch failing half-way is sent again whole: nothing lost, no point twice', async (t) => {
  const { server, store } = await setup(t);
  const run = await store.createRun({ experimentId: '0', runName: 'resend', startTime: 1, tags: {} });
  const batch: LogBatch = { params: { lr: '0.1' }, metrics: Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', value: i, timestamp: 10 + i, step: i })) };
  server.failNext('mlflow/runs/log-batch', { status: 503, count: 3, after: 1 }); // the 2nd request, through all retries
  await t.throwsAsync(store.logBatch(run.runId, batch), { instanceOf: TrackingUnavailableError });
  t.is(server.run(run.runId).metrics.length, 999, 'the first request (the param and 999 metrics) got through');
  await store.logBatch(run.runId, batch); // what the spool does later
  t.deepEqual(server.run(run.runId).metrics, batch.metrics);
  t.deepEqual((await store.getMetricHistory(run.runId, 'loss')).length, 1500);
});

test('the fake server enforces the limits the splitter respects', async (t) => {
  const { server, store } = await setup(t);
  const run = await store.createRun({ experimentId: '0', runName: 'limits', startTime: 1, tags: {} });
  const post = (body: object) => fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ run_id: run.runId, ...body }) });
  const tooMany = await post({ params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) });
  t.is(tooMany.status, 400);
  t.like(await tooMany.json(), { error_code: 'INVALID_PARAMETER_VALUE', message: 'A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.' });
  t.is((await post({ tags: [{ key: 't', value: 'x'.repeat(8001) }] })).status, 400);
  t.is((await post({ metrics: Array.from({ length: 1001 }, () => ({ key: 'm', value: 1, timestamp: 1 })) })).status, 400);
  t.deepEqual(server.run(run.runId).params, {});
});

test('params are immutable on the server: a changed value is a final MlflowApiError', async (t) => {
  const { server, store } = await setup(t);
  const run = await store.createRun({ experimentId: '0', runName: 'params', startTime: 1, tags: {} });
  await store.logBatch(run.runId, { params: { lr: '0.1' } });
  await store.logBatch(run.runId, { params: { lr: '0.1' } });
  const e = await t.throwsAsync(store.logBatch(run.runId, { params: { lr: '0.2' } }), { instanceOf: MlflowApiError });
  t.like(e, { status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  t.regex(e!.message, /Changing param values is not allowed.*'0\.1'.*'0\.2'/);
  t.is(server.requestsTo('mlflow/runs/log-batch').length, 3, 'not retried');
});

test('long param and tag values: truncated with a marker, kept whole as artifacts, listed in a tag', async (t) => {
  const { server, store } = await setup(t);
  const longTag = 'note '.repeat(2000); // 10,000 characters
  const run = await store.createRun({ experimentId: '0', runName: 'long', startTime: 1, tags: { ...TAGS, 'mlflow.note.content': longTag } });
  const spec = JSON.stringify({ layers: Array.from({ length: 2000 }, (_, i) => i) }); // 8,902 characters
  await store.logBatch(run.runId, { params: { 'model/spec': spec, lr: '0.1' } });
  await store.logBatch(run.runId, { params: { 'model/spec': spec, other: 'x'.repeat(6001) } });

  const fake = server.run(run.runId);
  t.is(fake.params.lr, '0.1');
  t.is([...fake.params['model/spec']!].length, 6000);
  t.true(fake.params['model/spec']!.startsWith(spec.slice(0, 1000)));
  t.regex(fake.params['model/spec']!, /truncated by odelab: \d+ characters; full value in artifact odelab\/long-values\/params\/model\/spec\.txt\]$/);
  t.is([...fake.tags['mlflow.note.content']!].length, 8000);
  t.is(fake.tags['odelab.truncated_params'], '["model/spec","other"]', 'merged across batches');
  t.is(fake.tags['odelab.truncated_tags'], '["mlflow.note.content"]');
  t.is(new TextDecoder().decode(await store.readArtifact(run.runId, 'odelab/long-values/params/model/spec.txt')), spec);
  t.is(new TextDecoder().decode(await store.readArtifact(run.runId, 'odelab/long-values/tags/mlflow.note.content.txt')), longTag);
  t.deepEqual(await store.listArtifacts(run.runId, 'odelab'), [
    'odelab/long-values/params/model/spec.txt', 'odelab/long-values/params/other.txt', 'odelab/long-values/tags/mlflow.note.content.txt',
  ]);
});

test('artifacts through the proxy: round trip, nested listing, under a path prefix', async (t) => {
  const { server, store } = await setup(t, { basePath: '/mlflow' });
  const run = await store.createRun({ experimentId: '0', runName: 'files', startTime: 1, tags: {} });
  const weights = Uint8Array.from([0, 1, 2, 255, 128]);
  await store.logArtifact(run.runId, 'config.json', '{"a":1}');
  await store.logArtifact(run.runId, 'plots/phase portrait.svg', weights);
  await store.logArtifact(run.runId, './plots/deep/x.txt', 'x');
  t.deepEqual([...(await store.readArtifact(run.runId, 'plots/phase portrait.svg'))], [...weights]);
  t.is(new TextDecoder().decode(await store.readArtifact(run.runId, 'config.json')), '{"a":1}');
  t.deepEqual(await store.listArtifacts(run.runId), ['config.json', 'plots/deep/x.txt', 'plots/phase portrait.svg']);
  t.deepEqual(await store.listArtifacts(run.runId, 'plots'), ['plots/deep/x.txt', 'plots/phase portrait.svg']);
  t.deepEqual(await store.listArtifacts(run.runId, 'nothing/here'), []);
  t.deepEqual(Object.keys(server.runArtifacts(run.runId)).sort(), ['config.json', 'plots/deep/x.txt', 'plots/phase portrait.svg']);
  const put = server.requestsTo('mlflow-artifacts/artifacts', 'PUT').map((r) => r.path);
  t.true(put.includes(`/mlflow/api/2.0/mlflow-artifacts/artifacts/0/${run.runId}/artifacts/plots/phase%20portrait.svg`), put.join('\n'));
  await t.throwsAsync(store.readArtifact(run.runId, 'missing.txt'), { instanceOf: TrackingError, message: /has no artifact 'missing.txt'/ });
});

test('mlflow-artifacts://host:port/... URIs go to that host, with the tracking scheme and credentials', async (t) => {
  const artifactsHost = await FakeMlflowServer.start({ auth: { username: 'ada', password: 'pw-1234' } });
  t.teardown(() => artifactsHost.stop());
  const host = new URL(artifactsHost.url).host;
  const server = await FakeMlflowServer.start({ artifactRoot: `mlflow-artifacts://${host}`, auth: { username: 'ada', password: 'pw-1234' } });
  t.teardown(() => server.stop());
  const store = new MlflowRestTracker(server.url.replace('http://', 'http://ada:pw-1234@'), { env: {}, maxRetries: 0 });
  const run = await store.createRun({ experimentId: '0', runName: 'elsewhere', startTime: 1, tags: {} });
  t.is(run.artifactUri, `mlflow-artifacts://${host}/0/${run.runId}/artifacts`);
  await store.logArtifact(run.runId, 'w.bin', Uint8Array.of(7));
  t.deepEqual([...artifactsHost.artifacts.get(`0/${run.runId}/artifacts/w.bin`)!], [7]);
  t.deepEqual(await store.listArtifacts(run.runId, './'), ['w.bin']);
  t.is(server.requestsTo('mlflow-artifacts').length, 0, 'nothing went to the tracking server');
});

test("'..' and absolute artifact paths are rejected before any request", async (t) => {
  const { server, store } = await setup(t);
  const run = await store.createRun({ experimentId: '0', runName: 'confined', startTime: 1, tags: {} });
  server.clearRequests();
  for (const bad of ['../x', '/etc/passwd', 'a/../../x', 'a/..', '..\\x', 'C:\\x', '', './']) {
    await t.throwsAsync(store.logArtifact(run.runId, bad, 'nope'), { instanceOf: TrackingError, message: (m) => m.includes(`'${bad}'`) }, bad);
    await t.throwsAsync(store.readArtifact(run.runId, bad), { instanceOf: TrackingError }, bad);
  }
  await t.throwsAsync(store.listArtifacts(run.runId, '../other-run'), { instanceOf: TrackingError });
  await t.throwsAsync(store.getRun('../etc'), { instanceOf: TrackingError, message: /invalid run id/ });
  t.deepEqual(server.requests, [], 'no request was sent');
});

test('a file: artifact root is written directly, confined; other schemes ask for --serve-artifacts', async (t) => {
  const dir = await tempDir(t);
  const { store } = await setup(t, { artifactRoot: pathToFileURL(join(dir, 'artifacts')).href });
  const run = await store.createRun({ experimentId: '0', runName: 'local', startTime: 1, tags: {} });
  t.is(run.artifactUri, `${pathToFileURL(join(dir, 'artifacts')).href}/0/${run.runId}/artifacts`);
  await store.logArtifact(run.runId, 'a/b.txt', 'local bytes');
  t.is(await readFile(join(dir, 'artifacts', '0', run.runId, 'artifacts', 'a', 'b.txt'), 'utf8'), 'local bytes');
  t.deepEqual(await store.listArtifacts(run.runId), ['a/b.txt']);
  t.is(new TextDecoder().decode(await store.readArtifact(run.runId, 'a/b.txt')), 'local bytes');
  await t.throwsAsync(store.logArtifact(run.runId, '../escape.txt', 'x'), { instanceOf: TrackingError });

  const { store: s3 } = await setup(t, { artifactRoot: 's3://bucket/mlflow' });
  const remoteRun = await s3.createRun({ experimentId: '0', runName: 's3', startTime: 1, tags: {} });
  await t.throwsAsync(s3.logArtifact(remoteRun.runId, 'x.txt', 'x'), { instanceOf: TrackingError, message: /s3:\/\/bucket.*--serve-artifacts/ });
});

test('the same calls give the same runs as the file store', async (t) => {
  const { store: rest } = await setup(t);
  const file = new MlflowFileStore(join(await tempDir(t), 'mlruns'));
  const play = async (s: Tracker) => {
    const exp = await s.getOrCreateExperiment('parity');
    const run = await s.createRun({ experimentId: exp, runName: 'same', startTime: 5, tags: TAGS });
    await s.logBatch(run.runId, {
      params: { lr: '0.01', 'a/b': 'c' },
      tags: { phase: 'eval' },
      metrics: [{ key: 'loss', value: 2, timestamp: 10, step: 0 }, { key: 'loss', value: NaN, timestamp: 11, step: 1 }, { key: 'acc', value: -Infinity, timestamp: 11, step: 1 }],
    });
    await s.logArtifact(run.runId, 'plots/a.svg', Uint8Array.of(1, 2));
    await s.logArtifact(run.runId, 'config.json', '{}');
    await s.updateRun(run.runId, { status: 'KILLED', endTime: 20 });
    const data = await s.getRun(run.runId);
    return {
      info: { ...data.info, runId: '', experimentId: '', artifactUri: '' },
      params: data.params, tags: data.tags, metrics: data.metrics,
      history: await s.getMetricHistory(run.runId, 'loss'),
      artifacts: await s.listArtifacts(run.runId),
      plots: await s.listArtifacts(run.runId, 'plots'),
      bytes: [...(await s.readArtifact(run.runId, 'plots/a.svg'))],
    };
  };
  t.deepEqual(await play(rest), await play(file));
});
