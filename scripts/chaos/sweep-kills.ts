/**
 * Sweeps under fire. Locally: worker threads that die (the fixture model's
 * `exit` fault ends its thread, as a crash or an OOM kill would) at random
 * trials, and the sweep process SIGKILLed at a random moment, then resumed.
 * Through Redis: `odelab worker` processes SIGKILLed and restarted, Redis
 * SIGKILLed and restarted from its AOF, and the sweep process SIGKILLed and
 * resumed with --queue, all at random moments. Checked: every run terminal,
 * every trial recorded once, every file parses.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startRedis } from '../../test/helpers/redis.ts';
import { type Campaign, SWEEP_TINY } from './campaign.ts';
import { checkFileStore, checkTrialsOnce } from './invariants.ts';
import { ended, odelab, sleep, type Proc } from './proc.ts';

const THREAD = 'sweep worker thread died';
const SWEEP_KILL = 'SIGKILL odelab sweep (local), then --resume';
const WORKER_KILL = 'SIGKILL odelab worker (queue)';
const REDIS_KILL = 'SIGKILL Redis, restarted from AOF';
const QUEUE_SWEEP_KILL = 'SIGKILL odelab sweep --queue, then --resume';

function parentId(store: Awaited<ReturnType<typeof checkFileStore>>): string | undefined {
  return store.runs.find((r) => r.tags['odelab.sweep'] === 'parent' && r.status === 'RUNNING')?.runId;
}

async function verify(c: Campaign, fault: string, store: string, expectTrials: number): Promise<void> {
  const check = await checkFileStore(store);
  const violations = [...check.violations];
  const trials = checkTrialsOnce(check.runs, violations);
  const parents = check.runs.filter((r) => r.tags['odelab.sweep'] === 'parent');
  for (const p of parents) if (p.status !== 'FINISHED') violations.push(`sweep ${p.runId}: parent ${p.status} after resume`);
  if (trials < expectTrials) violations.push(`${trials} trials recorded, ${expectTrials} expected`);
  c.checked(fault, check.runs.length * 4 + expectTrials, violations);
}

export async function localSweepKills(c: Campaign): Promise<void> {
  const rounds = c.count(2);
  for (let round = 0; round < rounds; round++) {
    const store = join(c.dir, `sweep-local-${round}`);
    const faults = Array.from({ length: 6 }, () => (c.rng.uniform() < 0.4 ? 'exit' : 'none'));
    const space = JSON.stringify({ 'model.fault': { type: 'grid', values: faults }, 'train.lr': { type: 'uniform', low: 0.003, high: 0.03 } });
    const args = ['sweep', SWEEP_TINY, '--workers', '2', '--backend', 'cpu', '--tracking-uri', store, '--max-failures', '1', '--set', 'train.steps=200', '--set', `sweep.parameters=${space}`, '--best-out', join(store, 'best.json'), '--quiet'];
    const first = odelab(args);
    await sleep(c.between(2500, 7000));
    first.kill('SIGKILL');
    const r1 = await ended(first, 'the killed sweep', 30_000);
    const killed = r1.signal === 'SIGKILL';
    const id = parentId(await checkFileStore(store));
    if (killed && id) {
      c.inject(SWEEP_KILL);
      const r2 = await ended(odelab([...args, '--resume', id]), 'the resumed sweep', 240_000);
      if (r2.code !== 0 && r2.code !== 1) c.checked(SWEEP_KILL, 1, [`resumed sweep exited ${r2.code}: ${r2.stderr.slice(-500)}`]);
    }
    // Thread deaths: attempts of the 'exit' trials that ran (each retried once).
    const check = await checkFileStore(store);
    const lost = check.runs.filter((r) => r.tags['odelab.failure_code'] === 'WORKER_LOST');
    c.inject(THREAD, lost.length);
    c.checked(THREAD, lost.length, lost.filter((r) => r.status !== 'FAILED').map((r) => `${r.runId}: a dead thread's run ended ${r.status}`));
    await verify(c, killed && id ? SWEEP_KILL : THREAD, store, faults.length);
    c.log(`  local sweep ${round}: ${faults.filter((f) => f === 'exit').length} dying trials, sweep ${killed && id ? 'killed and resumed' : 'finished before the kill'}`);
  }
}

export async function queueKills(c: Campaign): Promise<void> {
  const rounds = c.count(2);
  for (let round = 0; round < rounds; round++) {
    const dir = join(c.dir, `queue-${round}`);
    const store = join(dir, 'mlruns');
    await mkdir(join(c.dir, `redis-${round}`), { recursive: true });
    let redis = await startRedis({ dir: join(c.dir, `redis-${round}`), appendonly: true });
    const port = redis.port;
    const url = redis.url;
    const env = { ODELAB_QUEUE_KEY: `chaos-key-${c.seed}-0123456789`, ODELAB_QUEUE_PREFIX: `chaos-${c.seed}-${round}`, ODELAB_QUEUE_LOCK_MS: '4000', ODELAB_QUEUE_STALLED_MS: '1000', ODELAB_QUEUE_MAX_STALLED: '3' };
    const workers: Proc[] = [];
    const startWorker = () => workers.push(odelab(['worker', '--queue', url, '--workers', '1', '--backend', 'cpu'], env));
    startWorker();
    startWorker();
    let sweepId: string | undefined;
    const args = ['sweep', SWEEP_TINY, '--queue', url, '--tracking-uri', store, '--max-failures', '3', '--set', 'train.steps=600', '--set', 'sweep.trials=2', '--best-out', join(dir, 'best.json'), '--json'];
    let sweep = odelab(args, env);
    // Faults start once the trials are in Redis: a Redis that is down when the sweep starts is bad input (exit 2), not a crash to recover from.
    sweepId = (await sweep.waitFor(/sweep (\w+): trials queued/, 'the queued sweep to put its trials in Redis', 120_000))[1];
    let sweepKilled = false;
    const deadline = Date.now() + 300_000;
    try {
      let done = false;
      void sweep.ended.then(() => (done = true));
      while (!done) {
        if (Date.now() > deadline) throw new Error('timed out after 300 s waiting for the queued sweep to finish under faults');
        await sleep(c.between(1200, 3000));
        if (done) break;
        const pick = c.rng.uniform();
        if (pick < 0.45) {
          const i = c.rng.int(workers.length);
          workers[i]!.kill('SIGKILL');
          await ended(workers[i]!, 'a killed worker', 20_000);
          c.inject(WORKER_KILL);
          await sleep(c.between(200, 1500));
          workers[i] = odelab(['worker', '--queue', url, '--workers', '1', '--backend', 'cpu'], env);
        } else if (pick < 0.85) {
          await redis.kill();
          c.inject(REDIS_KILL);
          await sleep(c.between(300, 2000));
          redis = await startRedis({ port, dir: join(c.dir, `redis-${round}`), appendonly: true });
        } else if (!sweepKilled) {
          sweep.kill('SIGKILL');
          await ended(sweep, 'the killed queued sweep', 20_000);
          c.inject(QUEUE_SWEEP_KILL);
          sweepKilled = true;
          await sleep(c.between(200, 2000));
          sweep = odelab([...args, '--resume', sweepId], env);
          void sweep.ended.then(() => (done = true));
          done = false;
        }
      }
      const r = await ended(sweep, 'the queued sweep', 60_000);
      if (r.code !== 0 && r.code !== 1) c.checked(WORKER_KILL, 1, [`queued sweep exited ${r.code}: ${r.stderr.slice(-800)}`]);
      // Lost runs of killed workers are ended by the workers' replay (WORKER_LOST) or the next run's scan (PROCESS_LOST).
      await ended(odelab(['sync', '--tracking-uri', store, '--spool-dir', join(dir, 'spool')]), 'odelab sync', 60_000);
      await verify(c, WORKER_KILL, store, 8);
      c.checked(REDIS_KILL, 1, []);
      if (sweepKilled) c.checked(QUEUE_SWEEP_KILL, 1, []);
      c.log(`  queue round ${round}: ${c.row(WORKER_KILL).injected} worker kills, ${c.row(REDIS_KILL).injected} Redis kills, sweep ${sweepKilled ? 'killed and resumed' : 'not killed'}`);
    } finally {
      for (const w of workers) {
        w.kill('SIGINT');
        w.kill('SIGINT');
      }
      await Promise.all(workers.map((w) => ended(w, 'a worker at the end', 20_000).catch(() => undefined)));
      sweep.kill('SIGKILL');
      await redis.stop();
    }
  }
}
