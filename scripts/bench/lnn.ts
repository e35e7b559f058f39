/**
 * The `lnn` suite: the Lagrangian network's training step in acceleration
 * mode, the configuration of the target (L: 4 → 128 → 128 → 1,
 * softplus, batch 256, double pendulum, L1 loss on q̈, Adam), timed exactly
 * as training runs it (`accelerationBatch` + `accelerationStep`: fresh
 * states and their true accelerations, forward, gradient, update).
 *
 * Rows: the fused op (hand-written gradient, host kernels) and the same
 * mathematics in plain tfjs ops differentiated by the tape, on wasm and
 * cpu; and the baseline MLP (4 → 128 → 128 → 2) for scale. The summary
 * holds the target configuration's figures: ms_per_step (median),
 * samples_per_s and the configuration, next to the PyTorch 1.13 +
 * functorch figure (about 36 ms per step on this machine).
 */
import {
  Rng,
  createRegistry,
  initBackend,
  instantiateSystem,
  type ConcreteBackend,
  type Model,
} from '../../index.ts';
import { accelerationBatch, accelerationStep } from '../../core/train/acceleration.ts';
import { clipByGlobalNorm } from '../../core/train/trainer.ts';
import { createOptimizer } from '../../core/train/optimizers.ts';
import { setFusedKernels } from '../../core/tensor/fused-combine.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';

const HIDDEN = [128, 128];
const BATCH = 256;
const PYTORCH_MS = 36;
const FULL_STEPS = 200;
const QUICK_STEPS = 20;
const WARMUP = 15;

interface Variant {
  label: string;
  backend: ConcreteBackend;
  model: 'lnn' | 'mlp';
  /** The LNN's tape path: plain tfjs ops, no hand-written gradient. */
  composite?: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'lnn (fused op)', backend: 'wasm', model: 'lnn' },
  { label: 'lnn (fused op)', backend: 'cpu', model: 'lnn' },
  { label: 'lnn (tfjs ops + tape)', backend: 'wasm', model: 'lnn', composite: true },
  { label: 'mlp baseline', backend: 'wasm', model: 'mlp' },
];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Median and spread of `steps` timed training steps. */
async function measure(v: Variant, steps: number): Promise<{ median: number; p10: number; p90: number; loss: number }> {
  await initBackend(v.backend);
  const registry = createRegistry();
  const sysPlugin = registry.get('system', 'double-pendulum');
  const system = instantiateSystem(sysPlugin, sysPlugin.options.parse({}, 'system'));
  const modelPlugin = registry.get('model', v.model);
  const options = modelPlugin.options.parse(
    v.model === 'lnn' ? { hidden: HIDDEN } : { hidden: HIDDEN, activation: 'softplus', output: 'acceleration' },
    'model',
  );
  const model: Model = modelPlugin.create(options as never, { stateDim: 4, coordinates: 2, angles: [true, true], seed: 1 });
  setFusedKernels(!v.composite);
  const opt = createOptimizer({ name: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 1e-3);
  const rng = new Rng(7);
  const objective = { name: 'acceleration' as const, q: [0, 2 * Math.PI], qdot: [-10, 10], velocityWarmup: 0 };
  const times: number[] = [];
  let loss = NaN;
  try {
    for (let i = 0; i < WARMUP + steps; i++) {
      const t0 = performance.now();
      const batch = accelerationBatch(system, objective, rng, BATCH);
      loss = accelerationStep(model, opt.optimizer, batch, { loss: 'l1', clipNorm: undefined }, clipByGlobalNorm);
      batch.x.dispose();
      batch.target.dispose();
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
  } finally {
    setFusedKernels(true);
    opt.dispose();
    model.dispose();
  }
  return { median: quantile(times, 0.5), p10: quantile(times, 0.1), p90: quantile(times, 0.9), loss };
}

export const lnnSuite: Suite = {
  name: 'lnn',
  description: 'LNN training step, acceleration mode: 4-128-128-1 softplus, batch 256 (fused op vs tape; baseline MLP)',
  async run(o: BenchOptions): Promise<SuiteResult> {
    const load = (await import('node:os')).loadavg()[0]!;
    const steps = o.quick ? QUICK_STEPS : FULL_STEPS;
    const rows: Row[] = [];
    let target: { median: number; p10: number; p90: number } | undefined;
    for (const v of VARIANTS) {
      o.log(`lnn: ${v.label} on ${v.backend}, ${steps} steps`);
      const m = await measure(v, steps);
      if (v.model === 'lnn' && !v.composite && v.backend === 'wasm') target = m;
      rows.push({
        model: v.label,
        backend: v.backend,
        'ms/step (median)': round(m.median),
        p10: round(m.p10),
        p90: round(m.p90),
        'samples/s': Math.round((BATCH * 1000) / m.median),
        'vs PyTorch 36 ms': round(PYTORCH_MS / m.median),
      });
    }
    const config: Json = { model: 'lnn', hidden: HIDDEN, activation: 'softplus', batch: BATCH, system: 'double-pendulum', objective: 'acceleration', loss: 'l1', optimizer: 'adam', backend: 'wasm', steps };
    return {
      tables: [{ title: `training step, ${steps} timed steps after ${WARMUP} warm-up (batch sampling included)`, rows }],
      summary: {
        ms_per_step: round(target!.median),
        ms_per_step_p10: round(target!.p10),
        ms_per_step_p90: round(target!.p90),
        samples_per_s: Math.round((BATCH * 1000) / target!.median),
        target_ms_per_step: PYTORCH_MS / 2,
        pytorch_functorch_ms_per_step: PYTORCH_MS,
        config,
      },
      notes: [
        `target: half of PyTorch 1.13 + functorch's ${PYTORCH_MS} ms per step on this machine, i.e. ≤ ${PYTORCH_MS / 2} ms`,
        'single-threaded: tfjs-backend-wasm has no threads in Node (its multithreaded build is browser-only)',
        loadAverageNote(load),
      ],
    };
  },
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

