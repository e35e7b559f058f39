/**
 * The `sweep` suite: 8 equal small trials (scripts/bench/sweep-experiment.ts)
 * run by `odelab sweep`'s machinery on a piscina pool of 1 and of 2 worker
 * threads, into a temporary file store. Reports each pool's wall time, the
 * speed-up of 2 workers over 1 (target ≥ 1.8 on 2 cores), and the per-trial
 * overhead: the time a trial's worker spends not training (thread start-up
 * on first use, tfjs and backend set-up, data, evaluation, logging), from the
 * trials' own clocks, and the scheduler's own share (wall time × workers −
 * the trials' time, per trial).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../../index.ts';
import { loadExperiment } from '../../core/config/load.ts';
import { selectTracker } from '../../core/track/select.ts';
import { ThreadExecutor } from '../../core/sweep/executor.ts';
import { runSweep } from '../../core/sweep/sweep.ts';
import type { BenchOptions, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';

const EXPERIMENT = fileURLToPath(new URL('./sweep-experiment.ts', import.meta.url));
const BUILTINS = new URL('../../plugins/index.ts', import.meta.url).href;

async function runPool(workers: number, overrides: string[], log: (m: string) => void): Promise<Row & { wall_s: number }> {
  const dir = await mkdtemp(join(os.tmpdir(), 'odelab-bench-sweep-'));
  const registry = createRegistry();
  const store = join(dir, 'mlruns');
  const executor = new ThreadExecutor(workers);
  try {
    const loaded = await loadExperiment(EXPERIMENT, registry, { overrides });
    const started = performance.now();
    const result = await runSweep({
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
    const wall = (performance.now() - started) / 1000;
    const done = result.records.filter((r) => r.state === 'FINISHED');
    if (done.length !== result.records.length) throw new Error(`only ${done.length} of ${result.records.length} trials finished`);
    const trialS = done.map((r) => r.durationMs! / 1000);
    const overheadS = done.map((r) => r.overheadMs! / 1000);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const schedulerS = (wall * workers - trialS.reduce((a, b) => a + b, 0)) / done.length;
    log(`  ${workers} worker(s): ${wall.toFixed(1)} s for ${done.length} trials`);
    return {
      workers,
      trials: done.length,
      wall_s: Number(wall.toFixed(2)),
      trial_s_mean: Number(mean(trialS).toFixed(2)),
      trial_overhead_s_mean: Number(mean(overheadS).toFixed(2)),
      trial_overhead_s_max: Number(Math.max(...overheadS).toFixed(2)),
      scheduler_s_per_trial: Number(schedulerS.toFixed(2)),
    };
  } finally {
    await executor.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const sweepSuite: Suite = {
  name: 'sweep',
  description: '8 equal small trials on a worker pool of 1 and of 2 threads: wall time, speed-up, per-trial overhead',
  async run(options: BenchOptions): Promise<SuiteResult> {
    const load = os.loadavg()[0]!;
    const overrides = options.quick ? ['train.steps=30'] : [];
    const one = await runPool(1, overrides, options.log);
    const two = await runPool(2, overrides, options.log);
    const speedup = Number((one.wall_s / two.wall_s).toFixed(2));
    return {
      tables: [{ title: 'sweep: 8 equal trials (spiral, mlp 2-50-2, 250 steps each), worker threads on wasm', rows: [one, two] }],
      summary: {
        speedup_2_over_1: speedup,
        target_speedup: 1.8,
        trial_overhead_s_mean: two.trial_overhead_s_mean as number,
        scheduler_s_per_trial: two.scheduler_s_per_trial as number,
        target_overhead_s: 1,
        cores: os.cpus().length,
      },
      notes: [
        `speed-up of 2 workers over 1: ${speedup} (target ≥ 1.8 on 2 cores)`,
        'trial overhead = a trial\'s wall time minus its training time (start-up, data, evaluation, logging), from inside the worker; scheduler = pool wall time × workers − the trials\' wall times, per trial',
        loadAverageNote(load),
      ],
    };
  },
};
