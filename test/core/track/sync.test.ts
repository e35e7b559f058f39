// Syncing spooled runs: a crashed process's records are delivered once, in order, and the run marked
// FAILED; live owners and concurrent syncs are left alone; an unavailable server keeps the records.
import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunLogger } from '../../../core/track/run-logger.ts';
import { RunSpool } from '../../../core/track/spool.ts';
import { syncSpool } from '../../../core/track/sync.ts';
import { FakeTracker, until } from '../../helpers/fake-tracker.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CRASH = join(ROOT, 'test/fixtures/spool-crash.ts');
const FAST = { batchDelayMs: 5, retryMs: 10, maxRetryMs: 40, firstReportMs: 50, reportEveryMs: 100 };

async function tempRoot(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-sync-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'spool');
}

/** Run the crash fixture; resolves to the run id once the child is dead. */
function crash(spoolDir: string, points: number): Promise<{ runId: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH, spoolDir, String(points)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      const m = /^run (\S+)$/m.exec(out);
      if (m) resolve({ runId: m[1]!, signal });
      else reject(new Error(`crash fixture failed: ${err}`));
    });
  });
}

/** A live run in this process whose server is down and whose flush gave up at once (handed over to sync). */
async function abandoned(root: string, tracker: FakeTracker, points: number, status: 'FINISHED' | 'KILLED' = 'FINISHED') {
  const logger = await RunLogger.start(tracker, { experimentId: '1', runName: 'r', startTime: 0, tags: {} }, { spoolDir: root, flushTimeoutS: 0, timing: FAST, env: {} });
  const wasUp = tracker.up;
  tracker.up = false;
  for (let i = 0; i < points; i++) await logger.logMetric('loss', i, i);
  const left = await logger.end(status);
  tracker.up = wasUp;
  return { runId: logger.runId, left };
}

test('a crashed run is delivered by sync: every record once and in order, a torn last line dropped, then FAILED with the reason', async (t) => {
  const root = await tempRoot(t);
  const { runId, signal } = await crash(root, 120);
  t.is(signal, 'SIGKILL');
  const dir = join(root, runId);
  appendFileSync(join(dir, 'records.jsonl'), '{"seq":999,"time":1,"kind":"metrics","metr'); // died mid-append
  const before = await (await RunSpool.open(dir)).state();
  const lastTime = before.records.at(-1)!.time;

  const tracker = new FakeTracker();
  const result = await syncSpool({ root, trackerFor: () => tracker });
  t.is(result.runs.length, 1);
  t.like(result.runs[0], { runId, outcome: 'complete', status: 'FAILED', appendedFailure: true, pending: 0, rejected: 0 });
  t.is(result.runs[0]!.delivered, 1 + 120 + 1 + 1 + 1, 'params, points, artifact, failure tags, status');
  t.deepEqual(tracker.points(runId).map((m) => m.step), Array.from({ length: 120 }, (_, i) => i));
  const run = await tracker.getRun(runId);
  t.is(run.params['train.lr'], '0.01');
  t.regex(run.tags['odelab.failure_reason'] ?? '', /ended without finishing the run; the records it had logged were delivered by odelab sync/);
  t.is(run.info.status, 'FAILED');
  t.is(run.info.endTime, lastTime, "end time: the run's last record");
  t.like(tracker.applied.at(-1), { kind: 'update', status: 'FAILED' });
  t.deepEqual(new TextDecoder().decode(await tracker.readArtifact(runId, 'config.json')), '{"crash": true}');
  t.false(existsSync(dir));

  const again = await syncSpool({ root, trackerFor: () => tracker });
  t.deepEqual(again, { runs: [], otherUris: 0 });
});

test('a run owned by a live process is skipped; once handed over it is delivered', async (t) => {
  const root = await tempRoot(t);
  const tracker = new FakeTracker();
  const logger = await RunLogger.start(tracker, { experimentId: '1', runName: 'r', startTime: 0, tags: {} }, { spoolDir: root, flushTimeoutS: 0, timing: FAST, env: {} });
  tracker.up = false;
  await logger.logMetric('loss', 1, 1);
  const synced = await syncSpool({ root, trackerFor: () => new FakeTracker() });
  t.like(synced.runs[0], { outcome: 'in-use', owner: { pid: process.pid }, delivered: 0 });
  t.is(readdirSync(root).length, 1);

  await logger.end('FINISHED');
  tracker.up = true;
  const later = await syncSpool({ root, trackerFor: () => tracker });
  t.like(later.runs[0], { outcome: 'complete', status: 'FINISHED', appendedFailure: false, delivered: 2 });
});

test('while the server is unavailable sync keeps the records; the next sync sends each exactly once', async (t) => {
  const root = await tempRoot(t);
  const tracker = new FakeTracker();
  const { runId, left } = await abandoned(root, tracker, 30);
  t.is(left.pending, 31);
  tracker.up = false;
  const down = await syncSpool({ root, trackerFor: () => tracker });
  t.like(down.runs[0], { outcome: 'pending', delivered: 0, pending: 31 });
  t.regex(down.runs[0]!.error ?? '', /unreachable/);
  tracker.up = true;
  const up = await syncSpool({ root, trackerFor: () => tracker });
  t.like(up.runs[0], { outcome: 'complete', delivered: 31, status: 'FINISHED' });
  t.deepEqual(tracker.points(runId).map((m) => m.step), Array.from({ length: 30 }, (_, i) => i));
});

test('two syncs at once never send the same run twice; --tracking-uri leaves other servers alone', async (t) => {
  const root = await tempRoot(t);
  const a = new FakeTracker({ uri: 'fake://a' });
  const b = new FakeTracker({ uri: 'fake://b' });
  const runA = await abandoned(root, a, 5);
  await abandoned(root, b, 5);
  let open!: () => void;
  a.gate = new Promise<void>((r) => (open = r));
  const trackerFor = (uri: string) => (uri === a.uri ? a : b);
  const first = syncSpool({ root, trackingUri: 'fake://a', trackerFor });
  await new Promise((r) => setTimeout(r, 100));
  const second = await syncSpool({ root, trackingUri: 'fake://a', trackerFor });
  t.like(second, { otherUris: 1, runs: [{ runId: runA.runId, outcome: 'in-use' }] });
  open();
  a.gate = undefined;
  t.like(await first, { otherUris: 1, runs: [{ outcome: 'complete', delivered: 6 }] });
  t.deepEqual(a.points().map((m) => m.step), [0, 1, 2, 3, 4]);
  t.is(b.applied.length, 0, 'the other server was not touched');
});

test('records acknowledged before the run stopped are never sent again by sync', async (t) => {
  const root = await tempRoot(t);
  const tracker = new FakeTracker();
  const logger = await RunLogger.start(tracker, { experimentId: '1', runName: 'r', startTime: 0, tags: {} }, { spoolDir: root, flushTimeoutS: 0, timing: FAST, env: {} });
  for (let i = 0; i < 10; i++) await logger.logMetric('loss', i, i);
  const acked = join(root, logger.runId, 'acked');
  await until(() => existsSync(acked) && readFileSync(acked, 'utf8') === '10', 5000, 'the first points acknowledged');
  tracker.up = false;
  for (let i = 10; i < 20; i++) await logger.logMetric('loss', i, i);
  const left = await logger.end('FINISHED');
  t.true(left.pending >= 11, 'ten points and the status at least (an upper bound if an acknowledgement was being written)');
  tracker.up = true;
  const synced = await syncSpool({ root, trackerFor: () => tracker });
  t.like(synced.runs[0], { outcome: 'complete', delivered: 11 });
  t.deepEqual(tracker.points().map((m) => m.step), Array.from({ length: 20 }, (_, i) => i));
});
