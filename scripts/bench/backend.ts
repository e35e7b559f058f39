/**
 * The `backend` suite: milliseconds per training step of a small neural ODE
 * on tfjs's `cpu` and `wasm` backends, to choose `AUTO_JS_BACKEND`.
 *
 * The workload is the torchdiffeq spiral demo's training step: an MLP vector
 * field 2 -> W -> 2 with tanh (the demo also cubes its input; not here) and a
 * 2-64-64-2 variant, a batch of 20
 * states integrated with rk4 through 10 output times 0.025 apart (one step
 * per interval, 36 evaluations of the field), L1 loss against a fixed
 * target, gradients by `tf.variableGrads` (backprop through the solver) and
 * an Adam update. Every step reads its loss back, as training does.
 *
 * The two backends run in one process, on the same weights (same seed), and
 * their timed repeats alternate (cpu, wasm, wasm, cpu, ...) so that a slow
 * spell of a shared machine lands on both.
 */
import { tf } from '../../core/tensor/tf.ts';
import { initBackend } from '../../core/tensor/backend.ts';
import { tensorOps } from '../../core/ode/tensor-ops.ts';
import { solveFixedGrid } from '../../core/ode/fixed-grid.ts';
import { Rng } from '../../core/random.ts';
import { rk4Tableau } from '../../core/ode/methods/index.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';

const BACKENDS = ['cpu', 'wasm'] as const;
type JsBackend = (typeof BACKENDS)[number];

interface ModelSpec {
  name: string;
  hidden: readonly number[];
}

/** Single-hidden-layer widths first (the crossover is sought among them). */
const MODELS: readonly ModelSpec[] = [
  { name: '2-50-2', hidden: [50] },
  { name: '2-256-2', hidden: [256] },
  { name: '2-1024-2', hidden: [1024] },
  { name: '2-64-64-2', hidden: [64, 64] },
];

const DIM = 2;
const BATCH = 20;
const TIMES = Array.from({ length: 10 }, (_, i) => i * 0.025);
const SEED = 20240601;

/** `repeats` timed repeats per backend and model, each of about `repeatMs` and at least `minSteps`. */
interface Timing { warmupSteps: number; repeats: number; repeatMs: number; minSteps: number }

const FULL: Timing = { warmupSteps: 20, repeats: 9, repeatMs: 700, minSteps: 5 };
const QUICK: Timing = { warmupSteps: 3, repeats: 3, repeatMs: 100, minSteps: 2 };

interface Trainer {
  params: number;
  /** One training step; returns the loss (read back from the backend). */
  step(): number;
  dispose(): void;
}

/** Build the model, data and optimizer on the current backend. */
function makeTrainer(spec: ModelSpec): Trainer {
  const rng = new Rng(SEED);
  const sizes = [DIM, ...spec.hidden, DIM];
  const layers: { w: tf.Variable; b: tf.Variable }[] = [];
  let params = 0;
  for (let i = 0; i + 1 < sizes.length; i++) {
    const nIn = sizes[i]!;
    const nOut = sizes[i + 1]!;
    // As the demo's init: weights N(0, 0.1^2), biases 0.
    const w = Array.from({ length: nIn * nOut }, () => 0.1 * rng.normal());
    layers.push({
      w: tf.tidy(() => tf.variable(tf.tensor2d(w, [nIn, nOut]))),
      b: tf.tidy(() => tf.variable(tf.zeros([nOut]))),
    });
    params += nIn * nOut + nOut;
  }
  const vars = layers.flatMap((l) => [l.w, l.b]);
  const y0 = tf.tensor2d(Array.from({ length: BATCH * DIM }, () => rng.range(-2, 2)), [BATCH, DIM]);
  const target = tf.tensor3d(
    Array.from({ length: TIMES.length * BATCH * DIM }, () => rng.range(-2, 2)),
    [TIMES.length, BATCH, DIM],
  );
  const optimizer = tf.train.adam(1e-3);

  const field = (_t: number, y: tf.Tensor): tf.Tensor => {
    let h = y;
    layers.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.w), l.b);
      if (i + 1 < layers.length) h = tf.tanh(h);
    });
    return h;
  };
  const loss = (): tf.Scalar => {
    const { ys } = solveFixedGrid(rk4Tableau, field, y0, TIMES, tensorOps);
    return tf.mean(tf.abs(tf.sub(tf.stack(ys), target)));
  };

  return {
    params,
    step() {
      const value = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, vars);
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        return value;
      });
      const v = value.dataSync()[0]!;
      value.dispose();
      return v;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([...vars, y0, target]);
    },
  };
}

/** Linear-interpolated quantile of sorted numbers. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

interface Measurement {
  backend: JsBackend;
  model: string;
  params: number;
  median: number;
  p10: number;
  p90: number;
  /** (max - min) / median of the per-repeat medians: how much the median moves between repeats. */
  spread: number;
  /** Median of each repeat, in order (repeat r of cpu and of wasm ran back to back). */
  medians: number[];
  steps: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

async function measureModel(spec: ModelSpec, timing: Timing, options: BenchOptions): Promise<Measurement[]> {
  const state = new Map<JsBackend, { trainer: Trainer; perStep: number; samples: number[]; medians: number[] }>();
  const baseline = tf.memory().numTensors;
  for (const b of BACKENDS) {
    await initBackend(b);
    const trainer = makeTrainer(spec);
    // The first steps compile kernels and grow heaps: estimate the step time from the later half.
    const times: number[] = [];
    for (let i = 0; i < timing.warmupSteps; i++) {
      const t0 = performance.now();
      trainer.step();
      times.push(performance.now() - t0);
    }
    const perStep = quantile(times.slice(times.length >> 1).sort((x, y) => x - y), 0.5);
    state.set(b, { trainer, perStep, samples: [], medians: [] });
  }
  const tensors = new Map<JsBackend, { before: number; after: number }>();
  for (let r = 0; r < timing.repeats; r++) {
    const order = r % 2 === 0 ? BACKENDS : [...BACKENDS].reverse();
    for (const b of order) {
      await initBackend(b);
      const s = state.get(b)!;
      const n = Math.max(timing.minSteps, Math.round(timing.repeatMs / s.perStep));
      const before = tf.memory().numTensors;
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const loss = s.trainer.step();
        times.push(performance.now() - t0);
        if (!Number.isFinite(loss)) throw new Error(`${b} ${spec.name}: loss became ${loss}`);
      }
      const after = tf.memory().numTensors;
      tensors.set(b, { before: tensors.get(b)?.before ?? before, after });
      s.samples.push(...times);
      s.medians.push(quantile([...times].sort((x, y) => x - y), 0.5));
      options.log(`    repeat ${r + 1} ${b}: ${n} steps, median ${s.medians.at(-1)!.toFixed(2)} ms`);
    }
  }
  const out: Measurement[] = [];
  for (const b of BACKENDS) {
    const s = state.get(b)!;
    const sorted = [...s.samples].sort((x, y) => x - y);
    const median = quantile(sorted, 0.5);
    out.push({
      backend: b,
      model: spec.name,
      params: s.trainer.params,
      median,
      p10: quantile(sorted, 0.1),
      p90: quantile(sorted, 0.9),
      spread: (Math.max(...s.medians) - Math.min(...s.medians)) / median,
      medians: s.medians,
      steps: sorted.length,
      tensorsBefore: tensors.get(b)!.before,
      tensorsAfter: tensors.get(b)!.after,
    });
    s.trainer.dispose();
  }
  const left = tf.memory().numTensors;
  if (left !== baseline) options.log(`  warning: ${left - baseline} tensors left after disposing ${spec.name}`);
  options.log(`  ${out.map((m) => `${m.backend} ${m.median.toFixed(2)} ms/step (${m.steps} steps)`).join(', ')}`);
  return out;
}

/** Width at which cpu/wasm crosses 1, interpolated in log-log between measured widths. */
function crossover(ratios: readonly { width: number; ratio: number }[]): number | null {
  for (let i = 0; i + 1 < ratios.length; i++) {
    const a = ratios[i]!;
    const b = ratios[i + 1]!;
    const la = Math.log(a.ratio);
    const lb = Math.log(b.ratio);
    if (la === 0) return a.width;
    if (la * lb < 0) {
      const x = Math.log(a.width) + ((Math.log(b.width) - Math.log(a.width)) * -la) / (lb - la);
      return Math.round(Math.exp(x));
    }
  }
  return null;
}

async function run(options: BenchOptions): Promise<SuiteResult> {
  const timing = options.quick ? QUICK : FULL;
  await initBackend('wasm');
  const wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const wasmThreads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  const startTensors = tf.memory().numTensors;

  const all: Measurement[] = [];
  for (const spec of MODELS) {
    options.log(`backend: ${spec.name}`);
    all.push(...(await measureModel(spec, timing, options)));
  }
  const endTensors = tf.memory().numTensors;

  const steps: Row[] = all.map((m) => ({
    backend: m.backend,
    model: m.model,
    params: m.params,
    'median ms': round(m.median),
    'p10 ms': round(m.p10),
    'p90 ms': round(m.p90),
    'repeat range': `${(100 * m.spread).toFixed(1)}%`,
    steps: m.steps,
    'tensors before': m.tensorsBefore,
    'tensors after': m.tensorsAfter,
  }));

  const winners: Row[] = [];
  const ratios: { width: number; ratio: number }[] = [];
  const winnerByModel: { [model: string]: Json } = {};
  for (const spec of MODELS) {
    const cpu = all.find((m) => m.model === spec.name && m.backend === 'cpu')!;
    const wasm = all.find((m) => m.model === spec.name && m.backend === 'wasm')!;
    const ratio = cpu.median / wasm.median;
    const winner: JsBackend = ratio > 1 ? 'wasm' : 'cpu';
    // Back-to-back repeats of the two backends share the machine's mood: compare them pairwise too.
    const paired = cpu.medians.map((c, r) => c / wasm.medians[r]!);
    const won = paired.filter((x) => (winner === 'wasm' ? x > 1 : x <= 1)).length;
    winners.push({
      model: spec.name,
      'cpu ms': round(cpu.median),
      'wasm ms': round(wasm.median),
      'cpu / wasm': round(ratio),
      'paired cpu / wasm': round(quantile([...paired].sort((x, y) => x - y), 0.5)),
      winner,
      'repeats won': `${won}/${paired.length}`,
    });
    winnerByModel[spec.name] = winner;
    if (spec.hidden.length === 1) ratios.push({ width: spec.hidden[0]!, ratio });
  }

  const cross = crossover(ratios);
  const widths = ratios.map((r) => r.width).join(', ');
  const notes = [
    `training step = rk4 over ${TIMES.length} output times (${TIMES.length - 1} steps, ` +
      `${4 * (TIMES.length - 1)} field evaluations), batch ${BATCH}, L1 loss, variableGrads + Adam(1e-3)`,
    `median and p10/p90 over all timed steps of ${timing.repeats} alternating repeats per backend` +
      (options.quick ? ' (--quick: a smoke check, not figures to quote)' : ''),
    `paired cpu / wasm: median over repeats of the ratio of back-to-back repeat medians; ` +
      `repeats won: in how many of those pairs the winner was faster`,
    `wasm: SIMD ${wasmSimd ? 'on' : 'off'}, threads ${wasmThreads ? 'on' : 'off'}`,
    cross === null
      ? `no crossover among widths ${widths}: ${ratios.every((r) => r.ratio > 1) ? 'wasm' : 'cpu'} wins at every width`
      : `crossover: ${ratios[0]!.ratio > 1 ? 'cpu' : 'wasm'} is faster from width ≈ ${cross} ` +
        `(log-log interpolation between measured widths)`,
    `tensors: ${startTensors} before the suite, ${endTensors} after (equal before/after per row = no leak per step)`,
  ];

  return {
    tables: [
      { title: 'ms per training step', rows: steps },
      { title: 'winner per model', rows: winners },
    ],
    summary: {
      smallModelWinner: winnerByModel[MODELS[0]!.name]!,
      winnerByModel,
      crossoverWidth: cross,
      wasmSimd,
      wasmThreads,
      tensorsBeforeSuite: startTensors,
      tensorsAfterSuite: endTensors,
      leakFree: all.every((m) => m.tensorsBefore === m.tensorsAfter) && startTensors === endTensors,
      timing: { ...timing },
    },
    notes,
  };
}

export const backendSuite: Suite = {
  name: 'backend',
  description: 'ms per neural-ODE training step (MLP field, rk4, backprop, Adam) on tfjs cpu vs wasm',
  run,
};
