// A queued sweep survives its Redis crashing (SIGKILL) and coming back with
// the README's settings (AOF on, fsync always): no queued or running trial is
// lost, none runs twice, and the scheduler and the worker reconnect by
// themselves. Runs its own redis-server (it has to kill it).
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odelab, ROOT } from '../helpers/cli.ts';
import { startOdelab } from '../helpers/odelab-process.ts';
import { startRedis, uniquePrefix } from '../helpers/redis.ts';

test('Redis killed mid-sweep and restarted from its AOF: every trial finishes once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-queue-aof-'));
  const data = await mkdtemp(join(dir, 'redis-'));
  const first = await startRedis({ dir: data, appendonly: true });
  let redis = first;
  const env = { ODELAB_QUEUE_KEY: 'test-queue-key-0123456789', ODELAB_QUEUE_PREFIX: uniquePrefix('aof'), ODELAB_QUEUE_LOCK_MS: '6000', ODELAB_QUEUE_STALLED_MS: '1000' };
  const worker = startOdelab(['worker', '--queue', first.url, '--workers', '1'], env);
  t.teardown(async () => {
    worker.kill('SIGKILL');
    await worker.exited;
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await worker.waitFor(/Ctrl-C to stop/);
  const store = join(dir, 'mlruns');
  const sweep = odelab(['sweep', join(ROOT, 'test/fixtures/experiments/sweep-tiny.ts'), '--queue', first.url, '--max-trials', '3', '--set', 'train.steps=200', '--tracking-uri', store, '--best-out', join(dir, 'best.json'), '--json'], { env });
  await worker.waitFor(/: FINISHED in/); // one done, one running, one waiting
  await first.kill();
  await new Promise((r) => setTimeout(r, 1500));
  redis = await startRedis({ port: first.port, dir: data, appendonly: true });

  const r = await sweep;
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { rows: { trial: number; state: string; attempts: number }[] };
  t.deepEqual(out.rows.map((x) => [x.trial, x.state, x.attempts]).sort(), [[0, 'FINISHED', 1], [1, 'FINISHED', 1], [2, 'FINISHED', 1]]);
  t.is((worker.stdout().match(/: took it/g) ?? []).length, 3);
});
