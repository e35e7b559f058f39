// `odelab run` in a child process when tracking goes wrong: an unusable store
// location fails at once (exit 2, one line naming it and what is wrong); an
// unreachable MLflow server is announced on every retry wait; SIGTERM ends
// the process while it waits on the server, before or after the run exists,
// and a second SIGTERM ends it at once. "Ended" is bounded generously (60 s)
// only to fail instead of hanging: no assertion depends on how fast it was.
import test from 'ava';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, type CliResult } from '../helpers/cli.ts';
import { FakeMlflowServer } from '../helpers/fake-mlflow-server.ts';
import { startOdelab, type OdelabProcess } from '../helpers/odelab-process.ts';

const TINY = join(ROOT, 'test/fixtures/experiments/tiny.ts');
const ENDED_WITHIN_MS = 60_000;
const NOBODY = 65534;

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-tracking-failures-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The process's result, or a failure (after SIGKILL) if it has not ended within ENDED_WITHIN_MS. */
async function ended(p: OdelabProcess, what: string): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${what}: still running after ${ENDED_WITHIN_MS / 1000} s\n${p.stdout()}\n${p.stderr()}`));
    }, ENDED_WITHIN_MS);
  });
  try {
    return await Promise.race([p.exited, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('an unusable tracking location fails at once with exit 2 and one line naming it and what is wrong', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'a-file');
  await writeFile(file, 'not a folder');
  const cases: [string, RegExp][] = [
    [`/proc/odelab-runs-${process.pid}`, /cannot be created: \/proc accepts no new folders \(ENOENT\)/],
    [`/sys/odelab-runs-${process.pid}`, /cannot be created: (operation not permitted|permission denied|read-only file system)/],
    ['/sys/kernel', /cannot be (created|written to): (operation not permitted|permission denied|read-only file system)/],
    [file, /is a file, not a folder/],
    [join(file, 'runs'), new RegExp(`${escape(file)}: is a file, not a folder`)],
  ];
  for (const [uri, reason] of cases) {
    const r = await ended(startOdelab(['run', TINY, '--tracking-uri', uri]), uri);
    t.is(r.code, 2, `${uri}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    t.is(lines.length, 1, r.stderr);
    t.true(lines[0]!.startsWith(`odelab: invalid input: --tracking-uri: tracking store ${uri} is not usable: `), lines[0]);
    t.regex(lines[0]!, reason);
    t.is(r.stdout, '', 'no training, no summary');
  }
  const viaEnv = await ended(startOdelab(['run', TINY], { MLFLOW_TRACKING_URI: `/proc/odelab-runs-${process.pid}` }), 'MLFLOW_TRACKING_URI');
  t.is(viaEnv.code, 2, viaEnv.stderr);
  t.regex(viaEnv.stderr, /^odelab: invalid input: MLFLOW_TRACKING_URI: tracking store \/proc\/odelab-runs-\d+ is not usable/);
  t.deepEqual(await readdir(dir), ['a-file'], 'nothing left behind');
});

test('a folder without write permission fails at once with exit 2 (run as an unprivileged user when the tests run as root)', async (t) => {
  const dir = await tempDir(t);
  const locked = join(dir, 'locked');
  await mkdir(locked);
  await chmod(locked, 0o555);
  await chmod(dir, 0o755);
  // Root may write anywhere: the check has to be seen by a user the permission bits apply to.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) t.log(`running the CLI as uid ${NOBODY}: root ignores permission bits`);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
  delete env.MLFLOW_TRACKING_URI;
  for (const [uri, reason] of [
    [locked, /cannot be written to: permission denied \(EACCES\)/],
    [join(locked, 'runs'), /cannot be created: permission denied \(EACCES\)/],
  ] as const) {
    const child = spawn(process.execPath, [BIN, 'run', TINY, '--tracking-uri', uri], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`${uri}: still running after 60 s\n${stderr}`))), ENDED_WITHIN_MS);
      child.on('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    t.is(code, 2, stderr);
    t.regex(stderr, new RegExp(`^odelab: invalid input: --tracking-uri: tracking store ${escape(uri)} is not usable: `));
    t.regex(stderr, reason);
  }
  t.deepEqual(await readdir(locked), [], 'no probe file left');
});

test('an unreachable server: a line per retry wait, credentials never shown, TRACKING_UNAVAILABLE when the retries run out', async (t) => {
  const port = await closedPort();
  const uri = `http://127.0.0.1:${port}`;
  const p = startOdelab(['run', TINY, '--tracking-uri', `http://ada:s3cret-pw@127.0.0.1:${port}`], {
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0',
    MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
  });
  const r = await ended(p, 'unreachable server');
  t.is(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.includes('retry'));
  t.deepEqual(lines, [
    `odelab: MLflow server at ${uri} unreachable (ECONNREFUSED); retry 1/2 now`,
    `odelab: MLflow server at ${uri} unreachable (ECONNREFUSED); retry 2/2 now`,
  ]);
  t.regex(r.stderr, /odelab: TRACKING_UNAVAILABLE: MLflow tracking server http:\/\/127\.0\.0\.1:\d+ unavailable/);
  t.false(r.stderr.includes('s3cret-pw'));
});

test('SIGTERM while the server is being retried, before the run exists: exit 130 at once', async (t) => {
  const port = await closedPort();
  const p = startOdelab(['run', TINY, '--tracking-uri', `http://127.0.0.1:${port}`]); // MLflow's default 7 retries: minutes of waiting
  await p.waitFor(/unreachable \(ECONNREFUSED\); retry 2\/7 in \d+(\.\d)? s/, ENDED_WITHIN_MS);
  p.kill('SIGTERM');
  const r = await ended(p, 'SIGTERM during the retries');
  t.is(r.code, 130, r.stderr);
  t.regex(r.stderr, /SIGTERM: no run created yet, nothing to flush; exiting/);
});

async function serverAndSpool(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await tempDir(t);
  const server = await FakeMlflowServer.start();
  t.teardown(() => server.stop().catch(() => undefined));
  const env = {
    MLFLOW_TRACKING_URI: server.url,
    ODELAB_SPOOL_DIR: join(dir, 'spool'),
    MLFLOW_HTTP_REQUEST_TIMEOUT: '600',
    ODELAB_FLUSH_TIMEOUT: '3600', // the flush alone would wait an hour
  };
  return { dir, server, env };
}

test('SIGTERM while the server holds every request: the run gets ODELAB_STOP_GRACE, then exit 130 saying what was pending; nothing lost', async (t) => {
  const { server, env } = await serverAndSpool(t);
  server.delayNext('mlflow/runs/log-batch', 3_600_000, 1000); // answered when the server stops
  const p = startOdelab(['run', TINY], { ...env, ODELAB_STOP_GRACE: '1' });
  await p.waitFor(/waiting for the tracking server: \d+ records? pending/, ENDED_WITHIN_MS);
  p.kill('SIGTERM');
  const r = await ended(p, 'SIGTERM during the flush');
  t.is(r.code, 130, r.stderr);
  const m = /odelab: SIGTERM: the run did not end within 1 s \(waiting for http:\/\/127\.0\.0\.1:\d+: logBatch for \d+ s; records the server has not acknowledged stay in (\S+); 'odelab sync' sends them\); exiting/.exec(r.stderr);
  t.truthy(m, r.stderr);
  const [run] = server.runs();
  t.is(m![1], join(env.ODELAB_SPOOL_DIR, run!.runId));
  t.true((await readdir(m![1]!)).includes('records.jsonl'), 'the records wait in the spool');

  server.clearFaults();
  const sync = await ended(startOdelab(['sync'], env), 'odelab sync');
  t.is(sync.code, 0, sync.stderr + sync.stdout);
  t.is(server.run(run!.runId).status, 'FINISHED', 'training had finished; the status arrived with the rest');
  t.true(server.run(run!.runId).metrics.some((x) => x.key === 'train_loss'));
});

test('a second SIGTERM exits 130 at once, even inside a long Retry-After wait', async (t) => {
  const { server, env } = await serverAndSpool(t);
  server.failNext('mlflow/runs/log-batch', { status: 503, count: 1000, retryAfter: 100 });
  const p = startOdelab(['run', TINY], { ...env, ODELAB_STOP_GRACE: '3600' });
  await p.waitFor(/answered 503 TEMPORARILY_UNAVAILABLE to POST \/api\/2\.0\/mlflow\/runs\/log-batch; retry 1\/7 in 100 s/, ENDED_WITHIN_MS);
  p.kill('SIGTERM');
  await p.waitFor(/SIGTERM: stopping after this step; the run ends KILLED \(exiting in 3600 s at the latest; again to exit now\)/, ENDED_WITHIN_MS);
  p.kill('SIGTERM');
  const r = await ended(p, 'second SIGTERM');
  t.is(r.code, 130, r.stderr);
  t.regex(r.stderr, /SIGTERM again: exiting now \(waiting for http:\/\/127\.0\.0\.1:\d+: logBatch for \d+ s; records the server has not acknowledged stay in \S+; 'odelab sync' sends them\)/);
});
