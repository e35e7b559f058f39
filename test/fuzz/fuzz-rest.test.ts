// Property-based fuzzing of the MLflow REST client (fast-check): a server that answers each request
// with a random status, a truncated or invalid JSON body, a body that never finishes, a reset
// connection, or (passed through to the fake MLflow server) the right answer. Every call must settle
// within its bound (attempts × timeout), retry at most MLFLOW_HTTP_REQUEST_MAX_RETRIES times, and
// either succeed or reject with a TrackingError that says which endpoint failed and how: never a
// TypeError from a malformed body, never a hang. Records: a log-batch that succeeded is on the
// server; one that failed may be there at most once more per retry (MLflow's own contract), and the
// spool keeps it (test/core/track/spool.test.ts) until it is acknowledged.
//
// In `npm test`: a fixed seed and a small count (ODELAB_FUZZ_RUNS / ODELAB_FUZZ_SEED for more).
import test from 'ava';
import fc from 'fast-check';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TrackingError } from '../../core/errors.ts';
import { MlflowRestTracker } from '../../plugins/trackers/mlflow-rest.ts';
import { FakeMlflowServer } from '../helpers/fake-mlflow-server.ts';
import { FUZZ_SEED, fuzzRuns } from './fuzz-settings.ts';

const TIMEOUT_S = 0.25;
const MAX_RETRIES = 2;

type Body = { kind: 'json'; value: unknown } | { kind: 'mlflow-error' } | { kind: 'truncated' } | { kind: 'garbage'; text: string } | { kind: 'empty' };
type Behaviour =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; body: Body; retryAfter?: string }
  | { kind: 'slow' }
  | { kind: 'reset' }
  | { kind: 'reset-mid' };

const STATUSES = [200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 413, 418, 429, 500, 502, 503, 504];
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })),
  fc.constant({ kind: 'mlflow-error' as const }),
  fc.constant({ kind: 'truncated' as const }),
  fc.string({ maxLength: 40 }).map((text) => ({ kind: 'garbage' as const, text })),
  fc.constant({ kind: 'empty' as const }),
);
const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'pass' as const }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(...STATUSES), body, retryAfter: fc.option(fc.constantFrom('0', '1', '86400', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT'), { nil: undefined }) }, { requiredKeys: ['kind', 'status', 'body'] }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'slow' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset-mid' as const }) },
);

function bodyText(b: Body): string {
  switch (b.kind) {
    case 'json':
      return JSON.stringify(b.value) ?? 'null';
    case 'mlflow-error':
      return JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'fuzzed refusal' });
    case 'truncated':
      return '{"run": {"info": {"run_id": "ab';
    case 'garbage':
      return b.text;
    case 'empty':
      return '';
  }
}

/** A server in front of the fake MLflow server that answers each request as the next behaviour says. */
async function chaosProxy(upstream: string) {
  let script: Behaviour[] = [];
  let requests = 0;
  let last: Behaviour['kind'] = 'pass';
  const sockets = new Set<import('node:net').Socket>();
  const pass = (req: IncomingMessage, res: ServerResponse, data: Buffer) => {
    const up = httpRequest(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(data);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      const b: Behaviour = script.shift() ?? { kind: 'pass' };
      last = b.kind;
      switch (b.kind) {
        case 'pass':
          return pass(req, res, Buffer.concat(chunks));
        case 'status': {
          const text = bodyText(b.body);
          res.writeHead(b.status, { 'Content-Type': 'application/json', ...(b.retryAfter !== undefined ? { 'Retry-After': b.retryAfter } : {}) });
          return res.end(text);
        }
        case 'slow':
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"run":');
          return; // never finished: the client's timeout must end it
        case 'reset':
          return req.socket.destroy();
        case 'reset-mid':
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
          res.write('{"run": {"info"');
          return setImmediate(() => req.socket.destroy());
      }
    });
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    play(behaviours: Behaviour[]) {
      script = [...behaviours];
      requests = 0;
    },
    get requests() {
      return requests;
    },
    /** How the last request was answered: only a passed-through answer comes from the real (fake) server. */
    get last() {
      return last;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

type Op = 'getRun' | 'logBatch' | 'updateRun';

test('the REST client against random answers: bounded retries, a clear TrackingError or success, no hang', async (t) => {
  const fake = await FakeMlflowServer.start();
  const proxy = await chaosProxy(fake.url);
  t.teardown(async () => {
    await proxy.stop();
    await fake.stop();
  });
  const direct = new MlflowRestTracker(fake.url, { env: {}, onRetry: () => {} });
  const experimentId = await direct.getOrCreateExperiment('fuzz');
  const { runId } = await direct.createRun({ experimentId, runName: 'fuzz', startTime: 1, tags: {} });
  const client = new MlflowRestTracker(proxy.url, { env: {}, timeout: TIMEOUT_S, maxRetries: MAX_RETRIES, sleep: async () => {}, onRetry: () => {} });
  let step = 0;
  const outcomes = { ok: 0, refused: 0 };

  await fc.assert(
    fc.asyncProperty(fc.array(behaviour, { minLength: 1, maxLength: MAX_RETRIES + 2 }), fc.constantFrom<Op>('getRun', 'logBatch', 'updateRun'), async (script, op) => {
      proxy.play(script);
      step += 1;
      const started = Date.now();
      const call =
        op === 'getRun'
          ? client.getRun(runId)
          : op === 'logBatch'
            ? client.logBatch(runId, { metrics: [{ key: 'm', value: step, step, timestamp: step }] })
            : client.updateRun(runId, { status: 'RUNNING', endTime: step });
      const bound = (MAX_RETRIES + 1) * (TIMEOUT_S * 1000) + 3000;
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), bound)));
      const result = await Promise.race([call.then(() => 'ok' as const, (e: unknown) => e), hang]);
      clearTimeout(timer);
      if (result === 'hang') throw new Error(`${op} did not settle within ${bound} ms`);
      if (proxy.requests > MAX_RETRIES + 1) throw new Error(`${op}: ${proxy.requests} requests, more than 1 + ${MAX_RETRIES} retries`);
      if (result === 'ok') {
        outcomes.ok += 1;
        // A 200 the chaos server made up is a lie the client cannot see through; a real one must mean stored.
        if (op === 'logBatch' && proxy.last === 'pass') {
          const history = await direct.getMetricHistory(runId, 'm');
          if (!history.some((m) => m.step === step)) throw new Error(`logBatch succeeded but step ${step} is not on the server`);
        }
        return;
      }
      outcomes.refused += 1;
      if (!(result instanceof TrackingError)) throw new Error(`${op}: not a TrackingError: ${String(result)}\n${(result as Error)?.stack}`);
      if (!/runs\/(get|log-batch|update)|127\.0\.0\.1|MLflow server/.test(result.message)) throw new Error(`${op}: the error does not say where: ${result.message}`);
      if (/TypeError|Cannot read prop|undefined is not/.test(result.message)) throw new Error(`${op}: an internal error leaked: ${result.message}`);
      if (Date.now() - started > bound) throw new Error('too slow');
    }),
    { seed: FUZZ_SEED, numRuns: fuzzRuns(60), includeErrorInReport: true },
  );
  t.true(outcomes.ok > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
});
