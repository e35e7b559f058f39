// The MLflow REST transport against the fake MLflow server: settings from
// MLflow's variables, the retry schedule, Retry-After, timeouts, refused
// connections, final 4xx answers, JSON content type, auth without leaking
// credentials, and TLS with a self-signed certificate made by openssl.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, TrackingError, TrackingUnavailableError } from '../../../core/errors.ts';
import { MlflowApiError } from '../../../core/track/rest/errors.ts';
import { backoffDelayMs, formatRetryLine, MAX_BACKOFF_MS, parseRetryAfter, type RetryEvent } from '../../../core/track/rest/retry.ts';
import { resolveSettings, type TransportOptions } from '../../../core/track/rest/settings.ts';
import { MlflowTransport } from '../../../core/track/rest/transport.ts';
import { FakeMlflowServer, type FakeMlflowServerOptions } from '../../helpers/fake-mlflow-server.ts';

const API = 'api/2.0/mlflow';

async function serve(t: { teardown(fn: () => Promise<void>): void }, options: FakeMlflowServerOptions = {}): Promise<FakeMlflowServer> {
  const server = await FakeMlflowServer.start(options);
  t.teardown(() => server.stop());
  return server;
}

/** A transport isolated from the process environment, whose waits are recorded instead of slept. */
function client(uri: string, options: TransportOptions = {}): { transport: MlflowTransport; waits: number[] } {
  const waits: number[] = [];
  const transport = new MlflowTransport(uri, { env: {}, sleep: async (ms) => void waits.push(ms), random: () => 0.5, ...options });
  return { transport, waits };
}

test('settings: MLflow defaults, its variables, and options that win', (t) => {
  const d = resolveSettings('http://127.0.0.1:5000/', { env: {} });
  t.like(d, { baseUrl: 'http://127.0.0.1:5000', timeoutMs: 120_000, maxRetries: 7, backoffFactor: 2, backoffJitter: 1, insecureTls: false });
  t.is(d.auth, undefined);
  const env = { MLFLOW_HTTP_REQUEST_TIMEOUT: '30', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '1', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.5' };
  t.like(resolveSettings('https://h/prefix/', { env }), { baseUrl: 'https://h/prefix', timeoutMs: 30_000, maxRetries: 3, backoffFactor: 1, backoffJitter: 0.5 });
  t.like(resolveSettings('http://h', { env, maxRetries: 0, timeout: 0.25 }), { maxRetries: 0, timeoutMs: 250 });
  t.like(resolveSettings('http://h', { env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '' } }), { maxRetries: 7 }, 'empty counts as unset');
});

test('settings: bad values are ConfigErrors naming the variable or option', (t) => {
  const bad: [Record<string, string>, string][] = [
    [{ MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' }, 'MLFLOW_HTTP_REQUEST_TIMEOUT'],
    [{ MLFLOW_HTTP_REQUEST_TIMEOUT: '0' }, 'MLFLOW_HTTP_REQUEST_TIMEOUT'],
    [{ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2.5' }, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES'],
    [{ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '11' }, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES'],
    [{ MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '121' }, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR'],
    [{ MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '-1' }, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER'],
    [{ MLFLOW_TRACKING_INSECURE_TLS: 'yes' }, 'MLFLOW_TRACKING_INSECURE_TLS'],
    [{ MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: '/x.pem' }, 'MLFLOW_TRACKING_INSECURE_TLS'],
    [{ MLFLOW_TRACKING_SERVER_CERT_PATH: '/no/such/ca.pem' }, 'MLFLOW_TRACKING_SERVER_CERT_PATH'],
    [{ MLFLOW_TRACKING_USERNAME: 'ada' }, 'MLFLOW_TRACKING_PASSWORD'],
    [{ MLFLOW_TRACKING_CLIENT_CERT_PATH: '/c.pem' }, 'MLFLOW_TRACKING_CLIENT_CERT_PATH'],
    [{ MLFLOW_TRACKING_AWS_SIGV4: 'true' }, 'MLFLOW_TRACKING_AWS_SIGV4'],
  ];
  for (const [env, name] of bad) {
    const e = t.throws(() => resolveSettings('http://h', { env }), { instanceOf: ConfigError }, JSON.stringify(env));
    t.is(e?.path, name);
    t.true(e!.message.includes(name), e?.message);
  }
  t.throws(() => resolveSettings('http://h', { env: {}, maxRetries: -1 }), { instanceOf: ConfigError, message: /options\.maxRetries must be an integer from 0 to 10, got -1/ });
  for (const uri of ['ftp://h', 'not a url', 'http://h/?x=1']) t.throws(() => resolveSettings(uri, { env: {} }), { instanceOf: ConfigError });
  const e = t.throws(() => resolveSettings('ftp://ada:s3cret-pw@h', { env: {} }), { instanceOf: ConfigError });
  t.false(e!.message.includes('s3cret-pw'), 'no password in messages about the URI');
});

test("the backoff schedule is urllib3's as MLflow uses it: 0, 4, 8, ... s, at most 120 s", (t) => {
  const policy = { backoffFactor: 2, backoffJitter: 1 };
  t.deepEqual([1, 2, 3, 4, 5, 6, 7].map((k) => backoffDelayMs(k, policy, () => 0)), [0, 4000, 8000, 16000, 32000, 64000, 120000]);
  t.is(backoffDelayMs(2, policy, () => 0.5), 4500, 'plus jitter');
  t.is(backoffDelayMs(10, policy, () => 0.99), MAX_BACKOFF_MS);
  t.is(backoffDelayMs(3, { backoffFactor: 0, backoffJitter: 0 }, Math.random), 0);
});

test('Retry-After: delta-seconds or an HTTP-date', (t) => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  t.is(parseRetryAfter('3', now), 3000);
  t.is(parseRetryAfter(' 0 ', now), 0);
  t.is(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
  t.is(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a date in the past: no wait');
  for (const junk of [undefined, '', '-1', '1.5', 'soon-ish']) t.is(parseRetryAfter(junk, now), undefined, String(junk));
});

test('429 with Retry-After: 1 — the client waits at least a second, then succeeds', async (t) => {
  const server = await serve(t);
  server.failNext('mlflow/experiments/get-by-name', { status: 429, retryAfter: 1 });
  const transport = new MlflowTransport(server.url, { env: {}, backoffFactor: 0, backoffJitter: 0 }); // real sleep
  const started = Date.now();
  const answer = await transport.getJson<{ experiment: { experiment_id: string } }>(`${API}/experiments/get-by-name`, { experiment_name: 'Default' });
  t.true(Date.now() - started >= 1000, `waited ${Date.now() - started} ms`);
  t.is(answer.experiment.experiment_id, '0');
  t.deepEqual(server.requestsTo('mlflow/experiments/get-by-name').map((r) => r.status), [429, 200]);
});

test('503 with an HTTP-date Retry-After is waited for; other retries follow the backoff', async (t) => {
  const server = await serve(t);
  // The date is read against the transport's clock, fixed here: the wait is exact, however loaded the machine.
  const date = 'Wed, 01 Jan 2025 00:00:03 GMT';
  const now = () => Date.parse('2025-01-01T00:00:00Z');
  server.failNext('mlflow/runs/get', { status: 503, count: 2, retryAfter: date });
  const { transport, waits } = client(server.url, { backoffFactor: 0.001, backoffJitter: 0, now });
  await t.throwsAsync(transport.getJson(`${API}/runs/get`, { run_id: 'nope' }), { instanceOf: MlflowApiError, message: /404 RESOURCE_DOES_NOT_EXIST/ });
  t.deepEqual(waits, [3000, 3000]);
  t.deepEqual(server.requestsTo('mlflow/runs/get').map((r) => r.status), [503, 503, 404]);
});

test('each retry is announced before its wait: what failed, which retry of how many, and when', async (t) => {
  const server = await serve(t);
  server.failNext('mlflow/runs/create', { status: 503, count: 2 });
  const events: RetryEvent[] = [];
  const { transport } = client(server.url.replace('http://', 'http://ada:s3cret-pw@'), { maxRetries: 3, onRetry: (e) => events.push(e) });
  await transport.postJson(`${API}/runs/create`, { experiment_id: '0' });
  t.deepEqual(
    events.map(formatRetryLine),
    [
      `MLflow server at ${server.url} answered 503 TEMPORARILY_UNAVAILABLE to POST /api/2.0/mlflow/runs/create; retry 1/3 now`,
      `MLflow server at ${server.url} answered 503 TEMPORARILY_UNAVAILABLE to POST /api/2.0/mlflow/runs/create; retry 2/3 in 4.5 s`,
    ],
  );

  await server.stop();
  events.length = 0;
  const fresh = client(server.url.replace('http://', 'http://ada:s3cret-pw@'), { maxRetries: 3, onRetry: (e) => events.push(e) }); // no kept-alive socket to be reset
  await t.throwsAsync(fresh.transport.getJson(`${API}/runs/get`, { run_id: 'r' }), { instanceOf: TrackingUnavailableError });
  t.deepEqual(events.map((e) => [e.kind, e.reason, e.retry, e.maxRetries, e.delayMs]), [
    ['unreachable', 'ECONNREFUSED', 1, 3, 0],
    ['unreachable', 'ECONNREFUSED', 2, 3, 4500],
    ['unreachable', 'ECONNREFUSED', 3, 3, 8500],
  ]);
  t.is(formatRetryLine(events[2]!), `MLflow server at ${server.url} unreachable (ECONNREFUSED); retry 3/3 in 8.5 s`);
  t.false(JSON.stringify(events).includes('s3cret-pw'), 'no credentials in what is reported');
});

test('the retry line: seconds rounded for long waits, a timeout said in words', (t) => {
  const base = { uri: 'http://h:5000', endpoint: 'GET /api/2.0/mlflow/runs/get', retry: 6, maxRetries: 7, kind: 'unreachable' as const };
  t.is(formatRetryLine({ ...base, delayMs: 64_731, reason: 'no answer within 120 s' }), 'MLflow server at http://h:5000 unreachable (no answer within 120 s); retry 6/7 in 65 s');
  t.is(formatRetryLine({ ...base, delayMs: 250, reason: 'ECONNRESET' }), 'MLflow server at http://h:5000 unreachable (ECONNRESET); retry 6/7 in 0.3 s');
});

test('a Retry-After beyond 120 s is not waited for: unavailable at once, the spool retries later', async (t) => {
  const server = await serve(t);
  server.failNext('*', { status: 503, retryAfter: 3600 });
  const { transport, waits } = client(server.url);
  await t.throwsAsync(transport.getJson(`${API}/runs/get`, { run_id: 'r' }), { instanceOf: TrackingUnavailableError, message: /retry after 3600 s/ });
  t.deepEqual(waits, []);
  t.is(server.requests.length, 1);
});

test('5xx until the retries run out: TrackingUnavailableError after 1 + maxRetries attempts', async (t) => {
  const server = await serve(t);
  server.failNext('mlflow/runs/log-batch', { status: 500, count: 100 });
  const { transport, waits } = client(server.url, { maxRetries: 3, backoffFactor: 0.01, backoffJitter: 0.02 });
  const e = await t.throwsAsync(transport.postJson(`${API}/runs/log-batch`, { run_id: 'r' }), { instanceOf: TrackingUnavailableError });
  t.regex(e!.message, /POST \/api\/2\.0\/mlflow\/runs\/log-batch failed 4 times; last: 500 INTERNAL_ERROR/);
  t.is(server.requests.length, 4);
  t.deepEqual(waits, [0, 30, 50]); // 0; 0.01*2 + 0.5*0.02; 0.01*4 + 0.5*0.02 seconds
});

// The timeout (2 s) is far above a prompt answer even on a loaded machine, and far below the held ones (8 s).
test('a response slower than the timeout is retried; always slow is TrackingUnavailableError', async (t) => {
  const server = await serve(t);
  const events: RetryEvent[] = [];
  const { transport } = client(server.url, { timeout: 2, maxRetries: 2, onRetry: (e) => events.push(e) });
  server.delayNext('mlflow/experiments/get-by-name', 8000);
  const answer = await transport.getJson<{ experiment: { name: string } }>(`${API}/experiments/get-by-name`, { experiment_name: 'Default' });
  t.is(answer.experiment.name, 'Default');
  t.like(events, [{ kind: 'unreachable', reason: 'no answer within 2 s', retry: 1 }]);
  t.is(server.requestsTo('mlflow/experiments/get-by-name').length, 2);

  server.clearRequests();
  server.delayNext('mlflow/experiments/get-by-name', 8000, 10);
  await t.throwsAsync(transport.getJson(`${API}/experiments/get-by-name`, { experiment_name: 'Default' }), {
    instanceOf: TrackingUnavailableError,
    message: /failed 3 times; last: .*timeout/i,
  });
  t.is(server.requests.length, 3);
});

test('connection refused: TrackingUnavailableError after the configured retries', async (t) => {
  const server = await FakeMlflowServer.start();
  const url = server.url;
  await server.stop();
  const { transport, waits } = client(url, { maxRetries: 4, backoffFactor: 0.001 });
  await t.throwsAsync(transport.getJson(`${API}/runs/get`, { run_id: 'r' }), { instanceOf: TrackingUnavailableError, message: /ECONNREFUSED/ });
  t.is(waits.length, 4);
});

test('the server going down and coming back on the same port: retried through, data kept', async (t) => {
  const server = await serve(t);
  const { transport } = client(server.url, { backoffFactor: 0 });
  const created = await transport.postJson<{ experiment_id: string }>(`${API}/experiments/create`, { name: 'kept' });
  await server.stop();
  let restarted = false;
  const back = new MlflowTransport(server.url, {
    env: {},
    sleep: async () => {
      if (!restarted) await server.start();
      restarted = true;
    },
  });
  const answer = await back.getJson<{ experiment: { experiment_id: string } }>(`${API}/experiments/get-by-name`, { experiment_name: 'kept' });
  t.true(restarted);
  t.is(answer.experiment.experiment_id, created.experiment_id);
  t.is(back.uri, server.url);
});

test('no retry on 400 and 404: one request, MLflow error_code and message in the error', async (t) => {
  const server = await serve(t);
  const { transport, waits } = client(server.url);
  const notFound = await t.throwsAsync(transport.getJson(`${API}/runs/get`, { run_id: 'missing' }), { instanceOf: MlflowApiError });
  t.false(notFound instanceof TrackingUnavailableError);
  t.like(notFound, { status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST', endpoint: 'GET /api/2.0/mlflow/runs/get' });
  t.is(notFound!.message, 'MLflow server refused GET /api/2.0/mlflow/runs/get: 404 RESOURCE_DOES_NOT_EXIST: Run with id=missing not found');
  const bad = await t.throwsAsync(transport.postJson(`${API}/runs/log-batch`, { metrics: [] }), { instanceOf: MlflowApiError });
  t.like(bad, { status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  t.regex(bad!.message, /POST \/api\/2\.0\/mlflow\/runs\/log-batch: 400 INVALID_PARAMETER_VALUE: Missing value for required parameter 'run_id'/);
  const unknown = await t.throwsAsync(transport.getJson('api/2.0/mlflow/no-such-thing'), { instanceOf: MlflowApiError });
  t.like(unknown, { status: 404, errorCode: 'ENDPOINT_NOT_FOUND' });
  t.is(server.requests.length, 3);
  t.deepEqual(waits, []);
});

function rawPost(url: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a POST without Content-Type: application/json is refused; the client always sends it', async (t) => {
  const server = await serve(t);
  const body = JSON.stringify({ name: 'typed' });
  const none = await rawPost(server.url, `${API}/experiments/create`, body, {});
  t.is(none.status, 400);
  t.deepEqual(JSON.parse(none.body), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Bad Request. Content-Type header is missing.' });
  const text = await rawPost(server.url, `${API}/experiments/create`, body, { 'Content-Type': 'text/plain' });
  t.is(text.status, 400);
  t.is(JSON.parse(text.body).error_code, 'INVALID_PARAMETER_VALUE');
  t.is(server.experiments().length, 1, 'nothing created');

  const { transport } = client(server.url);
  await transport.postJson(`${API}/experiments/create`, { name: 'typed' });
  const posts = server.requests.filter((r) => r.method === 'POST');
  t.is(posts.at(-1)!.headers['content-type'], 'application/json');
  t.is(posts.at(-1)!.status, 200);
});

test('basic and bearer auth arrive as MLflow sends them; credentials never show', async (t) => {
  const password = 'pa55-w0rd-secret';
  const token = 'tok-ABCDEF-123456';
  const basic = await serve(t, { auth: { username: 'ada', password }, basePath: '/mlflow' });
  const expectedBasic = `Basic ${Buffer.from(`ada:${password}`).toString('base64')}`;

  const fromEnv = client(basic.url, { env: { MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: password, MLFLOW_TRACKING_TOKEN: token } });
  await fromEnv.transport.getJson(`${API}/experiments/get-by-name`, { experiment_name: 'Default' });
  t.is(basic.requests.at(-1)!.headers.authorization, expectedBasic, 'username/password win over the token');

  const inUri = basic.url.replace('http://', `http://ada:${encodeURIComponent(password)}@`);
  const fromUri = client(inUri);
  t.is(fromUri.transport.uri, basic.url, 'the uri shows no credentials');
  await fromUri.transport.getJson(`${API}/experiments/get-by-name`, { experiment_name: 'Default' });
  t.is(basic.requests.at(-1)!.headers.authorization, expectedBasic);
  t.is(basic.requests.at(-1)!.path, '/mlflow/api/2.0/mlflow/experiments/get-by-name', 'the path prefix is kept');

  const wrong = client(basic.url.replace('http://', 'http://ada:not-the-password@'));
  const denied = await t.throwsAsync(wrong.transport.getJson(`${API}/runs/get`, { run_id: 'r' }), { instanceOf: MlflowApiError });
  t.like(denied, { status: 401, errorCode: 'UNAUTHENTICATED' });
  t.false(denied!.message.includes('not-the-password'));

  const bearer = await serve(t, { auth: { token } });
  const withToken = client(bearer.url, { env: { MLFLOW_TRACKING_TOKEN: token } });
  await withToken.transport.getJson(`${API}/experiments/get-by-name`, { experiment_name: 'Default' });
  t.is(bearer.requests.at(-1)!.headers.authorization, `Bearer ${token}`);

  await bearer.stop();
  const down = client(bearer.url.replace('http://', `http://ada:${password}@`), { maxRetries: 1, env: { MLFLOW_TRACKING_TOKEN: token } });
  const e = await t.throwsAsync(down.transport.getJson(`${API}/runs/get`, { run_id: 'r' }), { instanceOf: TrackingUnavailableError });
  for (const text of [e!.message, String(e!.cause), down.transport.uri, JSON.stringify(down.transport), inspect(down.transport, { depth: 5 })]) {
    t.false(text.includes(password) || text.includes(token) || text.includes(Buffer.from(`ada:${password}`).toString('base64')), text.slice(0, 200));
  }
});

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

test('https: MLFLOW_TRACKING_SERVER_CERT_PATH trusts a self-signed server; without it a certificate error, not retried; INSECURE_TLS accepts it', async (t) => {
  let version: string;
  try {
    version = execFileSync('openssl', ['version']).toString().trim();
  } catch {
    t.fail('the openssl CLI is missing: it is needed to make the self-signed certificate for this test');
    return;
  }
  t.log(version);
  const dir = await mkdtemp(join(tmpdir(), 'odelab-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  const server = await serve(t, { tls: { key: await readFile(key), cert: await readFile(cert) } });
  t.regex(server.url, /^https:/);
  const call = (transport: MlflowTransport) => transport.getJson<{ experiment: { name: string } }>(`${API}/experiments/get-by-name`, { experiment_name: 'Default' });

  const trusted = client(server.url, { env: { MLFLOW_TRACKING_SERVER_CERT_PATH: cert } });
  t.is((await call(trusted.transport)).experiment.name, 'Default');

  const plain = client(server.url, { maxRetries: 5 });
  const e = await t.throwsAsync(call(plain.transport), { instanceOf: TrackingError });
  t.false(e instanceof TrackingUnavailableError, 'final: waiting does not fix a certificate');
  t.regex(e!.message, /self[- ]signed|certificate/i);
  t.regex(e!.message, /MLFLOW_TRACKING_SERVER_CERT_PATH/);
  t.deepEqual(plain.waits, [], 'not retried');

  const insecure = client(server.url, { env: { MLFLOW_TRACKING_INSECURE_TLS: 'true' } });
  t.is((await call(insecure.transport)).experiment.name, 'Default');
  t.is(server.requests.length, 2, 'the refused handshake never reached the HTTP layer');
});
