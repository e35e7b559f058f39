// Signed queue messages (core/queue/signing.ts): without ODELAB_QUEUE_KEY queue commands refuse to start
// (unless opted out); a code bundle or a trial job altered in Redis is refused by the worker, logged, and
// the trial ends FAILED with the reason, without any of the altered code running.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { canonicalJson, QueueSigner } from '../../core/queue/signing.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { startOdelab, type OdelabProcess } from '../helpers/odelab-process.ts';
import { testRedis, uniquePrefix, type TestRedis } from '../helpers/redis.ts';

const KEY = 'test-queue-key-0123456789';
let redis: TestRedis;
test.before(async () => {
  redis = await testRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

interface SweepJson {
  sweepId: string;
  rows: Array<{ trial: number; state: string; attempts: number; reason?: string }>;
}

/** A project of its own (fresh content, so no worker has its bundle cached) with odelab as a package. */
async function project(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-queue-sign-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const root = join(dir, 'project');
  await mkdir(join(root, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(root, 'node_modules/odelab'));
  await writeFile(join(root, 'package.json'), '{ "type": "module" }\n');
  await mkdir(join(root, 'experiments'));
  const text = await readFile(join(ROOT, 'test/fixtures/experiments/sweep-tiny.ts'), 'utf8');
  await writeFile(join(root, 'experiments/sweep-tiny.ts'), `// ${randomUUID()}\n${text}`);
  await copyFile(join(ROOT, 'test/fixtures/faulty-model.ts'), join(root, 'faulty-model.ts'));
  const env = { ODELAB_QUEUE_KEY: KEY, ODELAB_QUEUE_PREFIX: uniquePrefix('sign'), ODELAB_QUEUE_LOCK_MS: '6000', ODELAB_QUEUE_STALLED_MS: '1000' };
  const args = ['sweep', join(root, 'experiments/sweep-tiny.ts'), '--queue', redis.url, '--tracking-uri', join(dir, 'mlruns'), '--best-out', join(dir, 'best.json'), '--max-trials', '1', '--set', 'train.steps=8', '--json'];
  return { dir, env, args, marker: join(dir, 'evil-ran') };
}

async function stopWorker(w: OdelabProcess): Promise<void> {
  w.kill('SIGINT');
  w.kill('SIGINT');
  await w.exited;
}

test.serial('queue commands refuse to start without ODELAB_QUEUE_KEY unless opted out, naming the variable', async (t) => {
  const env = { ODELAB_QUEUE_PREFIX: uniquePrefix('nokey'), ODELAB_QUEUE_KEY: '' };
  const worker = await odelab(['worker', '--queue', redis.url], { env });
  t.is(worker.code, 2, worker.stderr);
  t.regex(worker.stderr, /odelab worker needs ODELAB_QUEUE_KEY: .*--insecure-queue or ODELAB_QUEUE_INSECURE=1/);
  const sweep = await odelab(['sweep', 'test/fixtures/experiments/sweep-tiny.ts', '--queue', redis.url, '--max-trials', '1'], { env });
  t.is(sweep.code, 2, sweep.stderr);
  t.regex(sweep.stderr, /odelab sweep --queue needs ODELAB_QUEUE_KEY/);
  t.notRegex(sweep.stderr, /\n\s+at /, 'no stack trace');
  const short = await odelab(['worker', '--queue', redis.url], { env: { ...env, ODELAB_QUEUE_KEY: 'short' } });
  t.is(short.code, 2);
  t.regex(short.stderr, /ODELAB_QUEUE_KEY must have at least 16 characters, got 5/);
  const opted = startOdelab(['worker', '--queue', redis.url, '--workers', '1', '--insecure-queue'], env);
  await opted.waitFor(/warning: queue messages are not signed/, 60_000);
  await stopWorker(opted);
  t.pass();
});

test.serial('a code bundle altered in Redis is refused: the trial FAILED with the reason, the code never ran', async (t) => {
  const { env, args, marker } = await project(t);
  const sweep = startOdelab(args, env); // no worker yet: the jobs wait
  const queued = await sweep.waitFor(/sweep (\w+): trials queued on/);
  const client = new Redis(redis.url);
  try {
    const [key] = await client.keys(`${env.ODELAB_QUEUE_PREFIX}:odelab:code:*`);
    t.truthy(key, 'the bundle is in Redis');
    const stored = JSON.parse((await client.get(key!))!) as { files: Record<string, string>; mac: string };
    t.regex(stored.mac, /^[0-9a-f]{64}$/);
    const exp = Object.keys(stored.files).find((p) => p.endsWith('sweep-tiny.ts'))!;
    stored.files[exp] = `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n${stored.files[exp]}`;
    await client.set(key!, JSON.stringify(stored));
  } finally {
    client.disconnect();
  }
  const worker = startOdelab(['worker', '--queue', redis.url, '--workers', '1'], env);
  t.teardown(() => stopWorker(worker));
  const r = await sweep.exited;
  t.is(r.code, 1, r.stderr); // every trial failed
  const out = JSON.parse(r.stdout) as SweepJson;
  t.is(out.sweepId, queued[1]);
  t.is(out.rows[0]!.state, 'FAILED');
  t.regex(out.rows[0]!.reason!, /refused code bundle \w+…: its signature does not match/);
  await worker.waitFor(/refused code bundle/);
  t.false(existsSync(marker), 'the altered code never ran');
});

test.serial('a trial job altered in Redis, or signed with another key, is refused', async (t) => {
  const { env, args } = await project(t);
  const sweep = startOdelab(args, env);
  const queued = await sweep.waitFor(/sweep (\w+): trials queued on/);
  const jobKey = `${env.ODELAB_QUEUE_PREFIX}:trials:${queued[1]}.0.1`;
  const client = new Redis(redis.url);
  try {
    const data = JSON.parse((await client.hget(jobKey, 'data'))!) as { task: { overrides: string[] }; mac: string };
    // A well-formed job with other overrides, its signature made with a key that is not the sweep's.
    data.task.overrides = [...data.task.overrides, 'train.steps=9'];
    const { mac: _old, ...payload } = data;
    data.mac = QueueSigner.withKey('not-the-sweeps-key-0000').sign('job', payload)!;
    t.not(canonicalJson(payload), '');
    await client.hset(jobKey, 'data', JSON.stringify(data));
  } finally {
    client.disconnect();
  }
  const worker = startOdelab(['worker', '--queue', redis.url, '--workers', '1'], env);
  t.teardown(() => stopWorker(worker));
  const r = await sweep.exited;
  t.is(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as SweepJson;
  t.regex(out.rows[0]!.reason!, /refused job \S+: its signature does not match/);
  await worker.waitFor(/job \S+: refused job/);
});
