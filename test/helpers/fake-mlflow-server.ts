// A local MLflow tracking server for tests: node:http (or https) on 127.0.0.1,
// speaking the parts of MLflow's REST API 2.0 that odelab uses, with MLflow's
// status codes and `{error_code, message}` error bodies. State lives in memory
// (fake-mlflow-store.ts) and survives stop()/start() on the same port.
//
//   const server = await FakeMlflowServer.start();   // port 0: any free port
//   server.url                                       // 'http://127.0.0.1:<port>' (+ basePath)
//   ... run the client against server.url ...
//   await server.stop();
//
// Options (FakeMlflowServerOptions): port, basePath ('/mlflow': every route
// below it), auth ({username, password} → Basic required, {token} → Bearer
// required; else 401 UNAUTHENTICATED), tls ({key, cert} PEM → https),
// artifactRoot (default 'mlflow-artifacts:', i.e. runs get
// `mlflow-artifacts:/<experiment_id>/<run_id>/artifacts` served by the proxy;
// a 'file:///...' or 's3://...' root gives runs that URI instead),
// historyPageSize (metrics/get-history page size, default 25000).
//
// Endpoints, below `<basePath>/api/2.0/`:
//   GET  mlflow/experiments/get-by-name?experiment_name=   404 RESOURCE_DOES_NOT_EXIST if absent
//   GET  mlflow/experiments/get?experiment_id=
//   POST mlflow/experiments/create {name}                  400 RESOURCE_ALREADY_EXISTS if taken
//   POST mlflow/runs/create {experiment_id, run_name, start_time, tags, user_id}
//   POST mlflow/runs/update {run_id, status, end_time}
//   POST mlflow/runs/log-batch {run_id, metrics, params, tags}
//        limits: 1000 metrics, 100 params, 100 tags, 1000 in total, 1e6 bytes;
//        param values <= 6000 chars, tag values <= 8000; params immutable;
//        metric values may be "NaN" / "Infinity" / "-Infinity" (all 400 INVALID_PARAMETER_VALUE);
//        an identical metric point (key, timestamp, step, value) is kept once, as in MLflow's SQL store
//   GET  mlflow/runs/get?run_id=                           latest metric values
//   GET  mlflow/metrics/get-history?run_id=&metric_key=&page_token=&max_results=
//   PUT  mlflow-artifacts/artifacts/<path>                 raw bytes
//   GET  mlflow-artifacts/artifacts/<path>                 raw bytes, 404 if absent
//   GET  mlflow-artifacts/artifacts?path=<dir>             {files: [{path (base name), is_dir, file_size}]}
//   and GET <basePath>/health → 'OK' (no auth), as MLflow's server has.
// A POST to mlflow/* without `Content-Type: application/json` is 400
// INVALID_PARAMETER_VALUE; a body that is not JSON is 400 BAD_REQUEST; any
// other path or method is 404 ENDPOINT_NOT_FOUND.
//
// Fault injection, by endpoint (the path below /api/2.0/, e.g.
// 'mlflow/runs/log-batch'; a prefix matches the paths below it; '*' matches all):
//   failNext(endpoint, {status: 503, count: 2, retryAfter: 1, after: 0})   answer that status (+ Retry-After),
//                        after letting `after` matching requests through
//   delayNext(endpoint, ms, count = 1)                          hold requests before handling them
//   raceNextCreate()     the next experiments/create creates the experiment "as another
//                        client", then answers 400 RESOURCE_ALREADY_EXISTS
//   clearFaults()
// Faults apply before auth and routing, as a proxy in front of MLflow would.
//
// For assertions: experiments(), runs(), run(id) (params, tags, metric points,
// status, endTime), runArtifacts(runId), artifacts (the proxy's files), and
// requests (method, path, endpoint, query, headers, body, status; clearRequests()).
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { FakeMlflowStore, MlflowHttpError, type FakeExperiment, type FakeRun } from './fake-mlflow-store.ts';

export type { FakeExperiment, FakeRun, FakeMetricPoint } from './fake-mlflow-store.ts';
export { FAKE_LIMITS } from './fake-mlflow-store.ts';

export interface FakeMlflowServerOptions {
  /** Port to listen on (default 0: any free port; kept across stop/start). */
  port?: number;
  /** A path prefix for every route, e.g. '/mlflow'. */
  basePath?: string;
  auth?: { username: string; password: string } | { token: string };
  tls?: { key: string | Buffer; cert: string | Buffer };
  artifactRoot?: string;
  historyPageSize?: number;
}

export interface RecordedRequest {
  method: string;
  /** The full path, without the query. */
  path: string;
  /** The path below `<basePath>/api/2.0/` ('' for other paths). */
  endpoint: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The status answered (0 if the server went down first). */
  status: number;
}

export interface Fault {
  status: number;
  count?: number;
  /** Let this many matching requests through first (e.g. 1: fail the second request of a split batch). */
  after?: number;
  /** Retry-After header: delta-seconds or an HTTP-date. */
  retryAfter?: number | string;
  errorCode?: string;
}

type Reply = { status: number; json: unknown } | { status: number; bytes: Buffer } | { status: number; text: string };

const ERROR_CODE_OF: Record<number, string> = { 429: 'REQUEST_LIMIT_EXCEEDED', 503: 'TEMPORARILY_UNAVAILABLE', 500: 'INTERNAL_ERROR' };

export class FakeMlflowServer {
  readonly store: FakeMlflowStore;
  private server?: Server;
  private port: number;
  private readonly basePath: string;
  private readonly log: RecordedRequest[] = [];
  private fails: { endpoint: string; left: number; pass: number; fault: Fault }[] = [];
  private delays: { endpoint: string; left: number; ms: number }[] = [];
  private races = 0;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly options: FakeMlflowServerOptions = {}) {
    this.port = options.port ?? 0;
    this.basePath = (options.basePath ?? '').replace(/\/+$/, '');
    this.store = new FakeMlflowStore(options.artifactRoot ?? 'mlflow-artifacts:', options.historyPageSize ?? 25000);
  }

  /** Create and start a server. */
  static async start(options: FakeMlflowServerOptions = {}): Promise<FakeMlflowServer> {
    return new FakeMlflowServer(options).start();
  }

  /** The tracking URI: `http(s)://127.0.0.1:<port><basePath>`. */
  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}${this.basePath}`;
  }

  /** Listen (again, on the same port after stop(); the data is kept). */
  async start(): Promise<this> {
    if (this.server) return this;
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = this.options.tls ? createHttpsServer({ ...this.options.tls }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stop listening and drop every connection (held requests get no answer). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const release of this.waiting) release();
    this.waiting.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  failNext(endpoint: string, fault: Fault): void {
    this.fails.push({ endpoint, left: fault.count ?? 1, pass: fault.after ?? 0, fault });
  }

  delayNext(endpoint: string, ms: number, count = 1): void {
    this.delays.push({ endpoint, left: count, ms });
  }

  raceNextCreate(): void {
    this.races++;
  }

  clearFaults(): void {
    this.fails = [];
    this.delays = [];
    this.races = 0;
  }

  get requests(): readonly RecordedRequest[] {
    return [...this.log];
  }

  /** Requests to an endpoint (matched as the faults are). */
  requestsTo(endpoint: string, method?: string): RecordedRequest[] {
    return this.log.filter((r) => matches(endpoint, r.endpoint) && (method === undefined || r.method === method));
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  experiments(): FakeExperiment[] {
    return [...this.store.experiments.values()];
  }

  runs(): FakeRun[] {
    return [...this.store.runs.values()];
  }

  run(runId: string): FakeRun {
    const run = this.store.runs.get(runId);
    if (!run) throw new Error(`the fake MLflow server has no run ${runId}`);
    return run;
  }

  /** The proxy's files of one run, by path relative to its artifact root. */
  runArtifacts(runId: string): Record<string, Buffer> {
    const run = this.run(runId);
    const prefix = `${run.artifactUri.replace(/^mlflow-artifacts:\/*/, '')}/`;
    const out: Record<string, Buffer> = {};
    for (const [path, bytes] of this.store.artifacts) if (path.startsWith(prefix)) out[path.slice(prefix.length)] = bytes;
    return out;
  }

  get artifacts(): ReadonlyMap<string, Buffer> {
    return this.store.artifacts;
  }

  /** Mark an experiment deleted, as `mlflow experiments delete` does. */
  deleteExperiment(experimentId: string): void {
    const exp = this.store.experiments.get(experimentId);
    if (!exp) throw new Error(`no experiment ${experimentId}`);
    exp.lifecycleStage = 'deleted';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const api = `${this.basePath}/api/2.0/`;
    const endpoint = url.pathname.startsWith(api) ? url.pathname.slice(api.length) : '';
    const body = await readBody(req);
    const record: RecordedRequest = {
      method: req.method ?? 'GET', path: url.pathname, endpoint, query: Object.fromEntries(url.searchParams), headers: req.headers, body, status: 0,
    };
    this.log.push(record);
    let reply: Reply;
    const extra: Record<string, string> = {};
    try {
      const delay = this.take(this.delays, endpoint);
      if (delay) await this.hold(delay.ms);
      if (!this.server || res.destroyed) return;
      const fail = this.takeFail(endpoint);
      if (fail) {
        if (fail.fault.retryAfter !== undefined) extra['Retry-After'] = String(fail.fault.retryAfter);
        const code = fail.fault.errorCode ?? ERROR_CODE_OF[fail.fault.status] ?? 'INTERNAL_ERROR';
        throw new MlflowHttpError(fail.fault.status, code, `injected failure (${fail.fault.status})`);
      }
      if (url.pathname === `${this.basePath}/health` && req.method === 'GET') {
        reply = { status: 200, text: 'OK' };
      } else {
        this.authenticate(req.headers, extra);
        reply = this.route(record, url);
      }
    } catch (e) {
      const err = e instanceof MlflowHttpError ? e : new MlflowHttpError(500, 'INTERNAL_ERROR', `fake server bug: ${(e as Error).stack}`);
      reply = { status: err.status, json: { error_code: err.errorCode, message: err.message } };
    }
    record.status = reply.status;
    send(res, reply, extra);
  }

  private take<T extends { endpoint: string; left: number }>(list: T[], endpoint: string): T | undefined {
    const hit = list.find((f) => f.left > 0 && matches(f.endpoint, endpoint));
    if (hit) hit.left--;
    return hit;
  }

  private takeFail(endpoint: string) {
    const hit = this.fails.find((f) => f.left > 0 && matches(f.endpoint, endpoint));
    if (hit && hit.pass > 0) {
      hit.pass--;
      return undefined;
    }
    if (hit) hit.left--;
    return hit;
  }

  private hold(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.waiting.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.waiting.add(release);
    });
  }

  private authenticate(headers: IncomingHttpHeaders, extra: Record<string, string>): void {
    const auth = this.options.auth;
    if (!auth) return;
    const expected =
      'token' in auth ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (headers.authorization === expected) return;
    extra['WWW-Authenticate'] = 'Basic realm="mlflow"';
    throw new MlflowHttpError(401, 'UNAUTHENTICATED', 'You are not authenticated. Please provide valid credentials.');
  }

  private route(r: RecordedRequest, url: URL): Reply {
    const s = this.store;
    const artifactPrefix = 'mlflow-artifacts/artifacts/';
    if (r.endpoint.startsWith(artifactPrefix) && (r.method === 'PUT' || r.method === 'GET')) {
      const path = decodeURIComponent(url.pathname.slice(`${this.basePath}/api/2.0/${artifactPrefix}`.length));
      if (r.method === 'GET') return { status: 200, bytes: s.getArtifact(path) };
      s.putArtifact(path, r.body);
      return { status: 200, json: {} };
    }
    const key = `${r.method} ${r.endpoint}`;
    if (r.method === 'POST' && r.endpoint.startsWith('mlflow/')) checkJsonContentType(r.headers);
    const body = r.method === 'POST' ? parseJson(r.body) : {};
    switch (key) {
      case 'GET mlflow/experiments/get-by-name':
        return ok({ experiment: experimentJson(s.getExperimentByName(r.query.experiment_name)) });
      case 'GET mlflow/experiments/get': {
        const exp = s.experiments.get(r.query.experiment_id ?? '');
        if (!exp) throw new MlflowHttpError(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${r.query.experiment_id} exists`);
        return ok({ experiment: experimentJson(exp) });
      }
      case 'POST mlflow/experiments/create':
        if (this.races > 0) {
          this.races--;
          s.createExperiment(body); // "another client" wins the race: the call below answers RESOURCE_ALREADY_EXISTS
        }
        return ok({ experiment_id: s.createExperiment(body) });
      case 'POST mlflow/runs/create':
        return ok({ run: this.runJson(s.createRun(body)) });
      case 'POST mlflow/runs/update':
        return ok({ run_info: this.runJson(s.updateRun(body)).info });
      case 'POST mlflow/runs/log-batch':
        s.logBatch(body, r.body.length);
        return ok({});
      case 'GET mlflow/runs/get':
        return ok({ run: this.runJson(s.run(r.query.run_id ?? r.query.run_uuid)) });
      case 'GET mlflow/metrics/get-history': {
        const page = s.metricHistory(r.query);
        return ok({ metrics: page.points.map(metricJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) });
      }
      case 'GET mlflow-artifacts/artifacts': {
        const files = s.listArtifacts(r.query.path ?? '');
        return ok(files.length ? { files } : {});
      }
      default:
        throw new MlflowHttpError(404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${r.method} ${r.path}`);
    }
  }

  private runJson(run: FakeRun) {
    const info: Record<string, unknown> = {
      run_id: run.runId, run_uuid: run.runId, run_name: run.runName, experiment_id: run.experimentId, user_id: run.userId,
      status: run.status, start_time: run.startTime, artifact_uri: run.artifactUri, lifecycle_stage: run.lifecycleStage,
    };
    if (run.endTime !== undefined) info.end_time = run.endTime;
    const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));
    return { info, data: { metrics: this.store.latestMetrics(run).map(metricJson), params: kv(run.params), tags: kv(run.tags) }, inputs: {} };
  }
}

function matches(pattern: string, endpoint: string): boolean {
  const p = pattern.replace(/^\/?(api\/2\.0\/)?/, '');
  return p === '*' || endpoint === p || endpoint.startsWith(`${p}/`);
}

function ok(json: unknown): Reply {
  return { status: 200, json };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function checkJsonContentType(headers: IncomingHttpHeaders): void {
  const type = headers['content-type'];
  if (type === undefined) throw new MlflowHttpError(400, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
  if (type.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new MlflowHttpError(400, 'INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json'].");
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new MlflowHttpError(400, 'BAD_REQUEST', 'Malformed request: the body must be a JSON object');
}

function experimentJson(e: FakeExperiment) {
  return {
    experiment_id: e.experimentId, name: e.name, artifact_location: e.artifactLocation, lifecycle_stage: e.lifecycleStage,
    creation_time: e.creationTime, last_update_time: e.creationTime, tags: [],
  };
}

/** A stored metric point in protobuf's JSON: non-finite values as strings. */
function metricJson(m: { key: string; value: number; timestamp: number; step: number }) {
  const value = Number.isNaN(m.value) ? 'NaN' : m.value === Infinity ? 'Infinity' : m.value === -Infinity ? '-Infinity' : m.value;
  return { key: m.key, value, timestamp: m.timestamp, step: m.step };
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  if (res.destroyed) return;
  const [type, payload] =
    'json' in reply ? ['application/json', JSON.stringify(reply.json)] : 'bytes' in reply ? ['application/octet-stream', reply.bytes] : ['text/plain', reply.text];
  res.writeHead(reply.status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}
