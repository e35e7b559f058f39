/**
 * The `spiral` suite: the torchdiffeq demo's training loop
 * (experiments/spiral.ts, exactly: MLP 2-50-2 on y³, dopri5 at rtol 1e-7,
 * atol 1e-9, batches of 20 segments of 10 points, L1 loss, RMSprop 1e-3),
 * against the issue's torchdiffeq figures.
 *
 * For each backend (ODELAB_BACKEND if set, else cpu and wasm) and each
 * gradient strategy of the registry (the experiment loaded with
 * `gradient.name=<strategy>`), the parts are built as the runner builds
 * them (same seeds: same data, initial weights and batches for every row),
 * and N iterations (300; `--quick` 30) of `trainStep` run on batches from
 * `sampleBatch`, each iteration timed (batch sampling included, as in the
 * demo's loop). Reported: median (p10, p90) ms per iteration, median nfe
 * per iteration (forward, and backward for the adjoint), and the demo's
 * full-trajectory L1 loss from y0 = [2, 0] over all 1000 times
 * (`evaluate()`'s eval_rollout_mae) after 200 iterations (where the issue
 * quotes torchdiffeq) and after N.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from 'odelab';
import { BackendUnavailableError } from 'odelab/plugin';
import { createRegistry, evaluate, loadExperiment, parseBackendName, resolveBackendName, type ConcreteBackend } from 'odelab/node';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';
import { buildSpiralParts, runIterations, type LoopResult } from './spiral-loop.ts';

const EXPERIMENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'experiments', 'spiral.ts');
const FULL_ITERATIONS = 300;
const QUICK_ITERATIONS = 30;
/** The issue quotes torchdiffeq's loss at this iteration. */
const REFERENCE_ITERATION = 200;

/** The issue's torchdiffeq figures: PyTorch 1.13 + torchdiffeq on this machine, single thread. */
const TORCHDIFFEQ = {
  msPerIteration: { backprop: 32, adjoint: 106 } as Record<string, number>,
  /** Full-trajectory L1 at 200 iterations. */
  loss: { low: 0.3, high: 0.5 },
};

interface Measured extends LoopResult {
  backend: ConcreteBackend;
  strategy: string;
  /** Tensors alive after the iterations (and evaluations) minus before them. */
  tensorsLeft: number;
}

/** Backends to run: ODELAB_BACKEND if set, else cpu and wasm. */
function backends(): ConcreteBackend[] {
  const env = process.env.ODELAB_BACKEND;
  if (env) return [resolveBackendName(parseBackendName(env, 'ODELAB_BACKEND'))];
  return ['cpu', 'wasm'];
}

const round = (x: number | null, digits = 2): number | null => (x === null ? null : Number(x.toFixed(digits)));

function speedVerdict(m: Measured): string {
  const ref = TORCHDIFFEQ.msPerIteration[m.strategy];
  if (ref === undefined) return 'no reference';
  return m.ms.median <= ref / 2 ? 'met' : 'NOT met';
}

function lossVerdict(loss: number | null, quick: boolean): string {
  if (loss === null) return 'n/a';
  if (quick) return 'n/a (--quick)';
  if (!(loss <= TORCHDIFFEQ.loss.high)) return 'NOT met';
  return loss <= TORCHDIFFEQ.loss.low ? 'met' : 'within its range';
}

async function run(options: BenchOptions): Promise<SuiteResult> {
  const iterations = options.quick ? QUICK_ITERATIONS : FULL_ITERATIONS;
  const loadBefore = os.loadavg()[0]!;
  const strategies = createRegistry()
    .list('gradient')
    .map((p) => p.name)
    .sort((a, b) => (a === 'backprop' ? -1 : b === 'backprop' ? 1 : a.localeCompare(b)));
  const measured: Measured[] = [];
  const unavailable: string[] = [];
  for (const backend of backends()) {
    try {
      await initBackend(backend);
    } catch (e) {
      if (!(e instanceof BackendUnavailableError)) throw e;
      unavailable.push(`${backend}: ${e.message}`);
      options.log(`spiral: backend ${backend} unavailable: ${e.message}`);
      continue;
    }
    for (const strategy of strategies) {
      const registry = createRegistry();
      const loaded = await loadExperiment(EXPERIMENT, registry, { overrides: [`gradient.name=${strategy}`] });
      const parts = buildSpiralParts(loaded.resolved, registry);
      options.log(`spiral: ${backend} ${strategy}: ${iterations} iterations`);
      try {
        const tensorsBefore = tf.memory().numTensors;
        const result = runIterations(parts, iterations, {
          evalAt: iterations >= REFERENCE_ITERATION ? [REFERENCE_ITERATION, iterations] : [iterations],
          evaluate: () => evaluate(parts.model, parts.integrator, parts.dataset, parts.data, parts.train).eval_rollout_mae,
          log: (i, r) => options.log(`  ${backend} ${strategy} iteration ${i}: ${r}`),
        });
        const tensorsLeft = tf.memory().numTensors - tensorsBefore;
        if (tensorsLeft !== 0) options.log(`  warning: ${backend} ${strategy}: ${tensorsLeft} tensors left by the iterations`);
        measured.push({ backend, strategy, tensorsLeft, ...result });
      } finally {
        parts.model.dispose();
      }
    }
  }

  const lossAt = (m: Measured, i: number): number | null => m.evalLoss[i] ?? null;
  const rows: Row[] = measured.map((m) => ({
    backend: m.backend,
    gradient: m.strategy,
    iterations: m.iterations,
    'median ms': round(m.ms.median, 1),
    'p10 ms': round(m.ms.p10, 1),
    'p90 ms': round(m.ms.p90, 1),
    'nfe fwd': m.nfeForward,
    'nfe bwd': m.nfeBackward,
    [`L1 @${REFERENCE_ITERATION}`]: round(lossAt(m, REFERENCE_ITERATION), 3),
    [`L1 @${m.iterations}`]: round(lossAt(m, m.iterations), 3),
    'last batch loss': round(m.lastLoss, 3),
    'train s': round(m.totalMs / 1000, 1),
  }));
  const targets: Row[] = measured.map((m) => {
    const ref = TORCHDIFFEQ.msPerIteration[m.strategy] ?? null;
    return {
      backend: m.backend,
      gradient: m.strategy,
      'torchdiffeq ms': ref,
      'target ms (<= half)': ref === null ? null : ref / 2,
      'odelab median ms': round(m.ms.median, 1),
      'speed-up': ref === null ? null : round(ref / m.ms.median, 2),
      'time target': speedVerdict(m),
      [`L1 @${REFERENCE_ITERATION} (torchdiffeq 0.3-0.5)`]: round(lossAt(m, REFERENCE_ITERATION), 3),
      [`L1 @${m.iterations}`]: round(lossAt(m, m.iterations), 3),
      'L1 target': lossVerdict(lossAt(m, m.iterations), options.quick),
    };
  });

  const notes = [
    `experiments/spiral.ts as loaded (gradient.name overridden per row), parts built as the runner builds them, same seeds in every row; ` +
      `${iterations} iterations of trainStep on sampleBatch batches with the experiment's RMSprop` +
      (options.quick ? ' (--quick: a smoke check, not figures to quote; the loss targets need 300 iterations)' : ''),
    `ms per iteration: batch sampling + trainStep (forward, gradient, RMSprop update, loss read back), over all ${iterations} iterations ` +
      `(the first ones, which set up kernels, included); nfe: medians per iteration`,
    `L1: the demo's full-trajectory loss, mean |odeint(model, [2, 0], all 1000 times) - truth| (evaluate()'s eval_rollout_mae)`,
    `torchdiffeq (the issue): PyTorch 1.13 + torchdiffeq on this machine, single thread: ~${TORCHDIFFEQ.msPerIteration.backprop} ms/iteration ` +
      `with backprop, ~${TORCHDIFFEQ.msPerIteration.adjoint} ms with the adjoint; loss ~${TORCHDIFFEQ.loss.low}-${TORCHDIFFEQ.loss.high} ` +
      `at ${REFERENCE_ITERATION} iterations. Targets: half those times or less; full-trajectory L1 after 300 iterations no worse ` +
      `than torchdiffeq's`,
    `L1 target: the issue gives torchdiffeq's loss at ${REFERENCE_ITERATION} iterations only (0.3-0.5), not at 300; ` +
      `'met' = at most ${TORCHDIFFEQ.loss.low} (no worse than any figure it quotes), 'within its range' = ${TORCHDIFFEQ.loss.low}-` +
      `${TORCHDIFFEQ.loss.high} (no worse than its worst figure, not shown to be no worse than its figure at 300), 'NOT met' = above ${TORCHDIFFEQ.loss.high}`,
    measured.every((m) => m.tensorsLeft === 0)
      ? 'tensors: none left behind by the iterations and evaluations of any row'
      : `tensors LEFT behind: ${measured.map((m) => `${m.backend} ${m.strategy} ${m.tensorsLeft}`).join(', ')}`,
    ...unavailable.map((u) => `backend unavailable: ${u}`),
  ];
  const verdicts = measured.map((m) => ({
    backend: m.backend,
    gradient: m.strategy,
    timeTarget: speedVerdict(m),
    lossTarget: lossVerdict(lossAt(m, m.iterations), options.quick),
  }));
  notes.push(loadAverageNote(loadBefore));
  const toJson = (m: Measured): Json => ({
    backend: m.backend,
    gradient: m.strategy,
    iterations: m.iterations,
    ms: { ...m.ms },
    nfeForward: m.nfeForward,
    nfeBackward: m.nfeBackward,
    evalLoss: Object.fromEntries(Object.entries(m.evalLoss).map(([k, v]) => [k, v])),
    lastLoss: m.lastLoss,
    totalMs: m.totalMs,
    tensorsLeft: m.tensorsLeft,
  });
  return {
    tables: [
      { title: `torchdiffeq spiral demo: ${iterations} training iterations`, rows },
      { title: "against the issue's torchdiffeq figures", rows: targets },
    ],
    summary: {
      rows: measured.map(toJson),
      verdicts,
      torchdiffeq: { msPerIteration: { ...TORCHDIFFEQ.msPerIteration }, lossAt200: { ...TORCHDIFFEQ.loss } },
      unavailable,
    },
    notes,
  };
}

export const spiralSuite: Suite = {
  name: 'spiral',
  description: 'the torchdiffeq spiral demo loop (backprop, adjoint) on cpu/wasm: ms per iteration, nfe, loss vs torchdiffeq',
  run,
};
