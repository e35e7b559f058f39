/**
 * One timed sweep of the `sweep` suite's 8 trials (sweep-experiment.ts) on a
 * piscina pool, through `odelab sweep`'s machinery, into a temporary file
 * store. Used in-process by sweep.ts, and in a child process with other V8
 * flags by sweep-pool-child.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from 'odelab/node';
import { loadExperiment } from '../../core/config/load.ts';
import { selectTracker } from '../../core/track/select.ts';
import { ThreadExecutor } from '../../core/sweep/executor.ts';
import { runSweep } from '../../core/sweep/sweep.ts';
import type { Row } from './index.ts';

const EXPERIMENT = fileURLToPath(new URL('./sweep-experiment.ts', import.meta.url));
const BUILTINS = new URL('../../plugins/index.ts', import.meta.url).href;

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const round2 = (x: number) => Number(x.toFixed(2));

/** What one pool measurement is asked to do (the child's argument, as JSON). */
export interface PoolJob {
  round: number;
  workers: number;
  overrides: string[];
  warm: boolean;
}

export type PoolRow = Row & { wall_s: number };

/** Marks sweep-pool-child.ts's result line on stdout. */
export const POOL_RESULT_MARKER = 'SWEEP_POOL_RESULT';

/**
 * One sweep of the 8 trials on a pool of `workers` threads. New (the
 * default): wall time from the pool's creation. Warm: the same pool first
 * runs the sweep untimed once per thread (8 trials per thread), so its
 * threads have started and compiled the trials' code; the next sweep is timed.
 */
export async function runPool({ round, workers, overrides, warm }: PoolJob, log: (m: string) => void): Promise<PoolRow> {
  const dir = await mkdtemp(join(os.tmpdir(), 'odelab-bench-sweep-'));
  const registry = createRegistry();
  const loaded = await loadExperiment(EXPERIMENT, registry, { overrides });
  const sweep = (executor: ThreadExecutor, store: string) =>
    runSweep({
      loaded,
      registry,
      tracker: selectTracker(registry, store),
      trackingUri: store,
      overrides,
      pluginPaths: [],
      builtinsModule: BUILTINS,
      backend: 'wasm',
      executor,
      scheduler: 'none',
      maxFailures: 0,
    });
  let cpu = process.cpuUsage();
  let started = performance.now();
  const executor = new ThreadExecutor(workers);
  try {
    if (warm) {
      for (let i = 0; i < workers; i++) await sweep(executor, join(dir, `warm-up-${i}`));
      cpu = process.cpuUsage();
      started = performance.now();
    }
    const result = await sweep(executor, join(dir, 'mlruns'));
    const wall = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const done = result.records.filter((r) => r.state === 'FINISHED');
    if (done.length !== result.records.length) throw new Error(`only ${done.length} of ${result.records.length} trials finished`);
    const trialS = done.map((r) => r.durationMs! / 1000);
    const overheadS = done.map((r) => r.overheadMs! / 1000);
    const schedulerS = (wall * workers - trialS.reduce((a, b) => a + b, 0)) / done.length;
    log(`  round ${round}, ${workers} worker(s)${warm ? ', warm pool' : ''}: ${wall.toFixed(1)} s for ${done.length} trials`);
    return {
      round,
      pool: warm ? 'warm' : 'new',
      workers,
      trials: done.length,
      wall_s: round2(wall),
      trial_s_mean: round2(mean(trialS)),
      trial_overhead_s_mean: round2(mean(overheadS)),
      trial_overhead_s_max: round2(Math.max(...overheadS)),
      scheduler_s_per_trial: round2(schedulerS),
      cpu_s_per_trial: round2((user + system) / 1e6 / done.length),
    };
  } finally {
    await executor.close();
    await rm(dir, { recursive: true, force: true });
  }
}

