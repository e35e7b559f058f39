/**
 * The `lnn` suite: the Lagrangian network's training step in acceleration
 * mode, the configuration of the issue's target (L: 4 → 128 → 128 → 1,
 * softplus, batch 256, double pendulum, L1 loss on q̈, Adam), timed exactly
 * as training runs it (`accelerationBatch` + `accelerationStep`: fresh
 * states and their true accelerations, forward, gradient, update).
 *
 * Rows: the fused op (hand-written gradient, host kernels) and the same
 * mathematics in plain tfjs ops differentiated by the tape, on wasm and
 * cpu; and the baseline MLP (4 → 128 → 128 → 2) for scale. The summary
 * holds the target configuration's figures: ms_per_step (the best of five
 * rounds' medians after 200 warm-up steps; every round is listed),
 * samples_per_s and the configuration. A PyTorch figure belongs beside it
 * only when measured in the same run.
 */
import { Rng, initBackend } from 'odelab';
import { instantiateSystem, type Model } from 'odelab/plugin';
import { createRegistry, type ConcreteBackend } from 'odelab/node';
import { accelerationBatch, accelerationStep } from '../../core/train/acceleration.ts';
import { clipByGlobalNorm } from '../../core/train/trainer.ts';
import { createOptimizer } from '../../core/train/optimizers.ts';
import { setFusedKernels } from '../../core/tensor/fused-combine.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';

const HIDDEN = [128, 128];
const BATCH = 256;
const FULL_STEPS = 200;
const QUICK_STEPS = 20;
/** The target row is timed in rounds; the machine's speed drifts between them (shared host). */
const ROUNDS = 5;
const WARMUP = 200;
const SLOW_WARMUP = 3;

export interface Variant {
  label: string;
  backend: ConcreteBackend;
  model: 'lnn' | 'mlp';
  /** The LNN's tape path: plain tfjs ops, no hand-written gradient. */
  composite?: boolean;
  /** Slow rows (10× the target's time or more) time fewer steps. */
  slow?: boolean;
  /** Hidden widths and batch size other than the target's (the scale suite's sizes). */
  hidden?: number[];
  batch?: number;
}

const VARIANTS: Variant[] = [
  { label: 'lnn (fused op)', backend: 'wasm', model: 'lnn' },
  { label: 'lnn (fused op)', backend: 'cpu', model: 'lnn', slow: true },
  { label: 'lnn (tfjs ops + tape)', backend: 'wasm', model: 'lnn', composite: true, slow: true },
  { label: 'mlp baseline', backend: 'wasm', model: 'mlp' },
];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Median and spread of `steps` timed training steps (the scale suite times its LNN rows with it). */
export async function measure(
  v: Variant,
  steps: number,
  warmup = v.slow ? SLOW_WARMUP : WARMUP,
  rounds = 1,
): Promise<{ median: number; p10: number; p90: number; loss: number; roundMedians: number[] }> {
  await initBackend(v.backend);
  const registry = createRegistry();
  const sysPlugin = registry.get('system', 'double-pendulum');
  const system = instantiateSystem(sysPlugin, sysPlugin.options.parse({}, 'system'));
  const modelPlugin = registry.get('model', v.model);
  const hidden = v.hidden ?? HIDDEN;
  const batchSize = v.batch ?? BATCH;
  const options = modelPlugin.options.parse(
    v.model === 'lnn' ? { hidden } : { hidden, activation: 'softplus', output: 'acceleration' },
    'model',
  );
  const model: Model = modelPlugin.create(options as never, { stateDim: 4, coordinates: 2, angles: [true, true], seed: 1 });
  setFusedKernels(!v.composite);
  const opt = createOptimizer({ name: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 1e-3);
  const rng = new Rng(7);
  const objective = { name: 'acceleration' as const, q: [0, 2 * Math.PI], qdot: [-10, 10], velocityWarmup: 0 };
  const times: number[] = [];
  const roundMedians: number[] = [];
  let loss = NaN;
  try {
    for (let i = 0; i < warmup + steps * rounds; i++) {
      const t0 = performance.now();
      const batch = accelerationBatch(system, objective, rng, batchSize);
      loss = accelerationStep(model, opt.optimizer, batch, { loss: 'l1', clipNorm: undefined }, clipByGlobalNorm);
      batch.x.dispose();
      batch.target.dispose();
      if (i >= warmup) times.push(performance.now() - t0);
      if (i >= warmup && (i - warmup + 1) % steps === 0) roundMedians.push(quantile(times.slice(-steps), 0.5));
    }
  } finally {
    setFusedKernels(true);
    opt.dispose();
    model.dispose();
  }
  return { median: quantile(times, 0.5), p10: quantile(times, 0.1), p90: quantile(times, 0.9), loss, roundMedians };
}

export const lnnSuite: Suite = {
  name: 'lnn',
  description: 'LNN training step, acceleration mode: 4-128-128-1 softplus, batch 256 (fused op vs tape; baseline MLP)',
  async run(o: BenchOptions): Promise<SuiteResult> {
    const load = (await import('node:os')).loadavg()[0]!;
    const steps = o.quick ? QUICK_STEPS : FULL_STEPS;
    const rows: Row[] = [];
    let target: { median: number; p10: number; p90: number; roundMedians: number[] } | undefined;
    for (const v of VARIANTS) {
      const n = v.slow ? Math.max(5, Math.round(steps / 10)) : steps;
      o.log(`lnn: ${v.label} on ${v.backend}, ${n} steps`);
      const isTarget = v.model === 'lnn' && !v.composite && v.backend === 'wasm';
      const m = await measure(v, n, undefined, isTarget && !o.quick ? ROUNDS : 1);
      if (isTarget) target = m;
      rows.push({
        model: v.label,
        backend: v.backend,
        steps: v.slow ? Math.max(5, Math.round(steps / 10)) : steps,
        'ms/step (median)': round(m.median),
        p10: round(m.p10),
        p90: round(m.p90),
        'samples/s': Math.round((BATCH * 1000) / m.median),
      });
    }
    const config: Json = { model: 'lnn', hidden: HIDDEN, activation: 'softplus', batch: BATCH, system: 'double-pendulum', objective: 'acceleration', loss: 'l1', optimizer: 'adam', backend: 'wasm', steps };
    return {
      tables: [{ title: `training step, timed after ${WARMUP} warm-up steps (${SLOW_WARMUP} for the slow rows); batch sampling included`, rows }],
      summary: {
        ms_per_step: round(Math.min(...target!.roundMedians)),
        ms_per_step_all_rounds: round(target!.median),
        ms_per_step_round_medians: target!.roundMedians.map(round),
        ms_per_step_p10: round(target!.p10),
        ms_per_step_p90: round(target!.p90),
        samples_per_s: Math.round((BATCH * 1000) / Math.min(...target!.roundMedians)),
        config,
      },
      notes: [
        `ms_per_step is the best of ${ROUNDS} rounds' medians (${steps} steps each, after ${WARMUP} warm-up steps: the JS kernels need that many to be optimised), as timeit reports; the host's speed drifts between rounds: round medians ${target!.roundMedians.map((x) => round(x)).join(', ')} ms`,
        'single-threaded: tfjs-backend-wasm has no threads in Node (its multithreaded build is browser-only)',
        loadAverageNote(load),
      ],
    };
  },
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

