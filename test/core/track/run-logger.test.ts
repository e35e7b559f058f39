// RunLogger on a remote tracker: logging never waits on the network, nothing is lost or sent twice
// while the server is down, the status goes last, end() waits up to its deadline, refusals are kept.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../core/errors.ts';
import { RunLogger, type RunLoggerOptions } from '../../../core/track/run-logger.ts';
import { readOwner } from '../../../core/track/spool-owner.ts';
import { syncSpool } from '../../../core/track/sync.ts';
import { FakeTracker, until } from '../../helpers/fake-tracker.ts';

const FAST = { batchDelayMs: 5, retryMs: 10, maxRetryMs: 40, firstReportMs: 50, reportEveryMs: 100 };

async function tempRoot(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-logger-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'spool');
}

async function start(t: { teardown(fn: () => Promise<void>): void }, tracker: FakeTracker, options: RunLoggerOptions = {}) {
  const root = await tempRoot(t);
  const messages: string[] = [];
  const warnings: string[] = [];
  const logger = await RunLogger.start(
    tracker,
    { experimentId: '1', runName: 'test', startTime: Date.now(), tags: { 'mlflow.runName': 'test' } },
    { spoolDir: root, flushTimeoutS: 10, timing: FAST, onMessage: (m) => messages.push(m), onWarning: (w) => warnings.push(w), env: {}, ...options },
  );
  return { logger, root, messages, warnings };
}

const steps = (tracker: FakeTracker, key: string) => tracker.points().filter((m) => m.key === key).map((m) => m.step);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

test('logging calls return at once while the server is down or hanging', async (t) => {
  const tracker = new FakeTracker();
  const { logger } = await start(t, tracker);
  tracker.up = false;
  const began = performance.now();
  for (const i of range(300)) await logger.logMetrics({ loss: 1 / (i + 1), lr: 0.01 }, i);
  t.true(performance.now() - began < 1500, `300 calls took ${(performance.now() - began).toFixed(0)} ms`);
  await until(() => tracker.attempts >= 2, 5000, 'send attempts while down');

  let open!: () => void;
  tracker.gate = new Promise<void>((r) => (open = r)); // the server now answers never...
  tracker.up = true;
  const hung = performance.now();
  for (const i of range(100, 300)) await logger.logMetric('loss', 1 / (i + 1), i);
  t.true(performance.now() - hung < 1000, 'a hanging server does not slow logging either');
  open(); // ...until now
  tracker.gate = undefined;
  t.deepEqual(await logger.end('FINISHED'), { pending: 0, rejected: 0 });
  t.deepEqual(steps(tracker, 'loss'), range(400));
  t.deepEqual(steps(tracker, 'lr'), range(300));
});

test('after the server comes back every record arrives exactly once and in order; the status goes last; the spool is removed', async (t) => {
  const tracker = new FakeTracker();
  const { logger, root } = await start(t, tracker);
  tracker.up = false;
  await logger.logParams({ 'train.lr': '0.01' });
  await logger.setTags({ phase: 'train' });
  for (const i of range(150)) await logger.logMetric('loss', i, i);
  await logger.logArtifact('plots/loss.svg', new TextEncoder().encode('<svg'));
  for (const i of range(150, 150)) await logger.logMetric('loss', i, i);
  await until(() => tracker.attempts >= 3, 5000, 'retries while down');
  tracker.up = true;
  t.deepEqual(await logger.end('FINISHED'), { pending: 0, rejected: 0 });

  t.deepEqual(steps(tracker, 'loss'), range(300), 'each point once, in order');
  const applied = tracker.applied;
  const artifactAt = applied.findIndex((c) => c.kind === 'artifact');
  const lastBefore = applied.findIndex((c) => c.kind === 'batch' && c.batch.metrics?.some((m) => m.step === 149));
  const firstAfter = applied.findIndex((c) => c.kind === 'batch' && c.batch.metrics?.some((m) => m.step === 150));
  t.true(lastBefore < artifactAt && artifactAt < firstAfter, 'the artifact keeps its place among the metrics');
  t.like(applied.at(-1), { kind: 'update', runId: logger.runId, status: 'FINISHED' });
  t.is(applied.filter((c) => c.kind === 'update').length, 1);
  const run = await tracker.getRun(logger.runId);
  t.is(run.params['train.lr'], '0.01');
  t.is(run.tags.phase, 'train');
  t.deepEqual([...(await tracker.readArtifact(logger.runId, 'plots/loss.svg'))], [...new TextEncoder().encode('<svg')]);
  t.deepEqual(readdirSync(root), [], 'the run folder is gone once everything is acknowledged');
  t.true(applied.every((c) => c.kind !== 'batch' || (c.batch.metrics?.length ?? 0) <= 1000));
});

test('end() waits until the server acknowledged everything, reporting while it waits', async (t) => {
  const tracker = new FakeTracker();
  const { logger, messages } = await start(t, tracker);
  let open!: () => void;
  tracker.gate = new Promise<void>((r) => (open = r));
  for (const i of range(20)) await logger.logMetric('loss', i, i);
  let ended = false;
  const ending = logger.end('FINISHED').then((r) => {
    ended = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 200));
  t.false(ended, 'still waiting for the server');
  t.true(messages.some((m) => /^waiting for the tracking server: \d+ records? pending/.test(m)), messages.join('\n'));
  open();
  tracker.gate = undefined;
  t.deepEqual(await ending, { pending: 0, rejected: 0 });
  const count = tracker.applied.length;
  t.is(tracker.applied.at(-1)?.kind, 'update');
  await new Promise((r) => setTimeout(r, 50));
  t.is(tracker.applied.length, count, 'nothing is sent after end() resolved');
  await t.throwsAsync(logger.logMetric('loss', 0, 99), { message: /has ended/ });
});

test('end() past its deadline leaves the records spooled and says so; sync later finishes the run with its own status', async (t) => {
  const tracker = new FakeTracker();
  const { logger, root, messages } = await start(t, tracker, { flushTimeoutS: 0.3 });
  tracker.up = false;
  for (const i of range(10)) await logger.logMetric('loss', i, i);
  const left = await logger.end('KILLED');
  t.is(left.pending, 11, 'ten metric records and the status');
  t.is(left.rejected, 0);
  t.is(left.spoolDir, join(root, logger.runId));
  t.true(existsSync(join(left.spoolDir!, 'records.jsonl')));
  t.true(messages.length >= 1);
  t.is(await readOwner(left.spoolDir!), undefined, 'the run is handed over to odelab sync');

  tracker.up = true;
  const synced = await syncSpool({ root, trackerFor: () => tracker });
  t.is(synced.runs.length, 1);
  t.like(synced.runs[0], { outcome: 'complete', delivered: 11, pending: 0, status: 'KILLED', appendedFailure: false });
  t.deepEqual(steps(tracker, 'loss'), range(10));
  t.like(tracker.applied.at(-1), { kind: 'update', status: 'KILLED' });
  t.false(existsSync(left.spoolDir!));
});

test('a record the server refuses for good goes to rejected.jsonl, warned once, and later records still arrive', async (t) => {
  const tracker = new FakeTracker();
  tracker.refuse = (c) =>
    (c.kind === 'batch' && c.batch.params?.bad !== undefined) || (c.kind === 'artifact' && c.path === 'bad.txt')
      ? 'INVALID_PARAMETER_VALUE: refused (fake 400)'
      : undefined;
  const { logger, warnings } = await start(t, tracker);
  await logger.logMetric('loss', 1, 1);
  await logger.logParams({ bad: '1' });
  await logger.logMetric('loss', 2, 2);
  await logger.logParams({ good: 'yes', bad: '2' });
  await logger.logArtifact('bad.txt', 'x');
  await logger.logMetric('loss', 3, 3);
  const left = await logger.end('FINISHED');
  t.is(left.pending, 0);
  t.is(left.rejected, 3);
  t.deepEqual(steps(tracker, 'loss'), [1, 2, 3], 'the records around the refused ones arrive once each');
  t.like(tracker.applied.at(-1), { kind: 'update', status: 'FINISHED' });
  t.is(warnings.length, 1, 'warned once');
  t.regex(warnings[0]!, /refused record 2 .*INVALID_PARAMETER_VALUE.*rejected\.jsonl/);
  const rejected = readFileSync(join(left.spoolDir!, 'rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string });
  t.deepEqual(rejected.map((r) => [r.seq, r.kind]), [[2, 'params'], [4, 'params'], [5, 'artifact']]);
  t.true(existsSync(join(left.spoolDir!, 'blobs/5')), 'a refused artifact keeps its bytes');
});

test('large param sets and non-finite values go through the spool intact', async (t) => {
  const tracker = new FakeTracker();
  const { logger } = await start(t, tracker);
  tracker.up = false;
  const params = Object.fromEntries(range(250).map((i) => [`p${i}`, `v${i}`]));
  await logger.logParams(params);
  await logger.logMetrics({ a: Number.NaN, b: Infinity, c: -Infinity, d: 1.5 }, 0);
  tracker.up = true;
  await logger.end('FINISHED');
  const run = await tracker.getRun(logger.runId);
  t.deepEqual(run.params, params);
  t.true(Number.isNaN(run.metrics.a));
  t.deepEqual([run.metrics.b, run.metrics.c, run.metrics.d], [Infinity, -Infinity, 1.5]);
  t.true(tracker.applied.every((c) => c.kind !== 'batch' || Object.keys(c.batch.params ?? {}).length <= 100));
  t.deepEqual(logger.metrics, { a: Number.NaN, b: Infinity, c: -Infinity, d: 1.5 });
});

test('a local store is written directly: no spool, metrics batched, status last', async (t) => {
  const tracker = new FakeTracker({ remote: false });
  const { logger, root } = await start(t, tracker);
  await logger.logParams({ a: '1' });
  for (const i of range(5)) await logger.logMetric('loss', i, i);
  t.is(tracker.applied.length, 1, 'metrics wait in the buffer');
  t.deepEqual(await logger.end('FAILED'), { pending: 0, rejected: 0 });
  t.deepEqual(steps(tracker, 'loss'), range(5));
  t.like(tracker.applied.at(-1), { kind: 'update', status: 'FAILED' });
  t.false(existsSync(root));
});

test('invalid spool settings are rejected before the run is created, naming the variable', async (t) => {
  for (const env of [{ ODELAB_FLUSH_TIMEOUT: 'soon' }, { ODELAB_SPOOL_DIR: 'not/absolute' }]) {
    const tracker = new FakeTracker();
    const e = await t.throwsAsync(RunLogger.start(tracker, { experimentId: '1', runName: 'x', startTime: 0, tags: {} }, { env }), { instanceOf: ConfigError });
    t.is(e?.path, Object.keys(env)[0]);
    t.is(tracker.attempts, 0, 'no run was created');
  }
});

test('an outage is said once when it starts and once when it ends, not per record or per try', async (t) => {
  const tracker = new FakeTracker({ uri: 'http://mlflow.example:5000' });
  const { logger, warnings, messages } = await start(t, tracker);
  tracker.up = false;
  for (const i of range(50)) await logger.logMetric('loss', i, i);
  await until(() => tracker.attempts >= 5, 5000, 'several failed sends');
  for (const i of range(50, 50)) await logger.logMetric('loss', i, i);
  await until(() => tracker.attempts >= 8, 5000, 'more failed sends');
  t.is(warnings.length, 1, warnings.join('\n'));
  t.regex(
    warnings[0]!,
    /^cannot reach the tracking server http:\/\/mlflow\.example:5000 for now \(.*unreachable \(fake\)\); \d+ records? wait in .+ and go out in the background when it answers \(next try in \d+ s\)$/,
  );
  tracker.up = true;
  t.deepEqual(await logger.end('FINISHED'), { pending: 0, rejected: 0 });
  t.is(warnings.length, 1);
  t.is(messages.filter((m) => m === 'the tracking server http://mlflow.example:5000 answers again; sending the spooled records').length, 1, messages.join('\n'));
  t.deepEqual(steps(tracker, 'loss'), range(100));
});

test('a spool folder that cannot be made or written is a ConfigError before the run is created', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-logger-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  // Under /proc Node's recursive mkdir never returns; the check must come before the run exists on the server.
  for (const spoolDir of [`/proc/odelab-spool-${process.pid}`, '/sys/kernel', join(file, 'spool')]) {
    const tracker = new FakeTracker();
    const starting = RunLogger.start(tracker, { experimentId: '1', runName: 'x', startTime: 0, tags: {} }, { env: { ODELAB_SPOOL_DIR: spoolDir } });
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`RunLogger.start with ${spoolDir} hung`)), 30_000)));
    const e = await t.throwsAsync(Promise.race([starting, hung]).finally(() => clearTimeout(timer)), { instanceOf: ConfigError });
    t.is(e?.path, 'ODELAB_SPOOL_DIR');
    t.regex(e!.message, new RegExp(`^spool folder ${spoolDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not usable: .+ \\(set ODELAB_SPOOL_DIR to a writable folder\\)$`));
    t.is(tracker.attempts, 0, 'no run was created');
  }
});
