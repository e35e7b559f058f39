/**
 * The `integrators` suite: cost and accuracy of every adaptive integrator in
 * the registry (`createRegistry().list('integrator')`, adaptive ones), on
 * the float64 path (`odeint64`) and the float32 tensor path
 * (`odeintWithStats`, tfjs cpu backend), against SciPy DOP853 references:
 *
 * 1. spiral (0..25, 1000 outputs) and the low-energy double pendulum
 *    (0..10, 101 outputs) at rtol = atol = 1e-3, 1e-5, 1e-7: nfe, accepted
 *    and rejected steps, median ms per solve, max abs / rel error, and the
 *    solver's overhead per step attempt, (solve time - time inside f) /
 *    (accepted + rejected), with f wrapped in performance.now();
 * 2. odelab dopri5 against SciPy's RK45 (same pair and controller family as
 *    torchdiffeq's dopri5; see integrators-scipy.ts), when python3 and
 *    SciPy are available;
 * 3. tensor-path overhead per step against one evaluation of a 2-50-2 MLP,
 *    on cpu and, when it starts, wasm (integrators-mlp.ts).
 */
import os from 'node:os';
import { tf } from '../../core/tensor/tf.ts';
import { initBackend } from '../../core/tensor/backend.ts';
import { ConfigError, odeint64, odeintWithStats, type SolveStats } from 'odelab';
import type { VectorField } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { RTOL_FLOOR } from '../../core/ode/method.ts';
import type { BenchOptions, Json, Suite, SuiteResult } from './index.ts';
import { accuracy, checkTensorField, flatten, median, problems, round, timedField, timerPairMicros, type Problem } from './integrators-problems.ts';
import { runScipy } from './integrators-scipy.ts';
import { measureMlp, MLP_HIDDEN, MLP_TIMES, type MlpResult, type MlpTiming } from './integrators-mlp.ts';
import { compare, comparisonTable, FLOOR_NA, mlpTable, solveRows, type SolveRecord } from './integrators-report.ts';

const TOLERANCES = [1e-3, 1e-5, 1e-7] as const;

/** Timed solves per row: at least `min`, then more until `budgetMs` of solving or `max`. */
interface Repeats {
  min: number;
  max: number;
  budgetMs: number;
}

interface Timing {
  /** float64 rows: pairs of solves, one plain (ms per solve) and one with f wrapped (overhead), after a warm-up solve. */
  f64: Repeats;
  /**
   * float32 tensor rows: solves with f wrapped, used for both figures (the
   * wrapper's cost is below 0.5% of a tensor solve); the tensor path is
   * warmed up once per problem before its rows.
   */
  f32: Repeats;
  mlp: MlpTiming;
}

const FULL: Timing = {
  f64: { min: 3, max: 15, budgetMs: 300 },
  f32: { min: 3, max: 7, budgetMs: 800 },
  mlp: { rounds: 10, evalsPerRound: 200, solvesPerRound: 3 },
};
const QUICK: Timing = {
  f64: { min: 1, max: 3, budgetMs: 30 },
  f32: { min: 1, max: 1, budgetMs: 0 },
  mlp: { rounds: 2, evalsPerRound: 100, solvesPerRound: 2 },
};

interface Outcome {
  stats: SolveStats;
  ys: ArrayLike<number>;
  ms: number;
}

/** Statistics and accuracy from the first solve; timings per `Repeats`; every solve must take the same steps. */
function measureRow<S>(
  f: VectorField<S>,
  solve: (f: VectorField<S>) => Outcome,
  repeats: Repeats,
  p: Problem,
  mode: 'plain+wrapped' | 'wrapped',
) {
  const ms: number[] = [];
  const overhead: number[] = [];
  const perEval: number[] = [];
  let first: Outcome | undefined;
  const check = (o: Outcome) => {
    first ??= o;
    const s = first.stats;
    if (o.stats.nfe !== s.nfe || o.stats.steps !== s.steps || o.stats.rejected !== s.rejected) {
      throw new Error(`${p.name}: solver statistics changed between repeats`);
    }
  };
  if (mode === 'plain+wrapped') check(solve(f)); // warm-up
  let spent = 0;
  for (let r = 0; r < repeats.max && (r < repeats.min || spent < repeats.budgetMs); r++) {
    if (mode === 'plain+wrapped') {
      const plain = solve(f);
      check(plain);
      ms.push(plain.ms);
      spent += plain.ms;
    }
    const field = timedField(f);
    const wrapped = solve(field.f);
    check(wrapped);
    if (mode === 'wrapped') ms.push(wrapped.ms);
    spent += wrapped.ms;
    overhead.push(((wrapped.ms - field.ms()) * 1000) / (wrapped.stats.steps + wrapped.stats.rejected));
    perEval.push((field.ms() * 1000) / wrapped.stats.nfe);
  }
  const { maxAbs, maxRel, endAbs } = accuracy(first!.ys, p.ref);
  return {
    ...first!.stats,
    medianMs: median(ms),
    maxAbsErr: maxAbs,
    maxRelErr: maxRel,
    endAbsErr: endAbs,
    overheadMicrosPerStep: median(overhead),
    fMicrosPerEval: median(perEval),
    repeats: ms.length,
  };
}

function solveFloat64(p: Problem, method: string, rtol: number, repeats: Repeats) {
  const solve = (f: VectorField<Float64Array>): Outcome => {
    const t0 = performance.now();
    const r = odeint64(f, p.ref.y0, p.ref.t, { method, rtol, atol: rtol });
    const ms = performance.now() - t0;
    return { stats: r.stats, ys: flatten(r.ys), ms };
  };
  return measureRow(p.f64, solve, repeats, p, 'plain+wrapped');
}

function solveFloat32(p: Problem, method: string, rtol: number, repeats: Repeats) {
  const field = p.tensorField();
  const y0 = tf.tensor2d([p.ref.y0]);
  const before = tf.memory().numTensors;
  try {
    const solve = (f: VectorField<tf.Tensor>): Outcome => {
      let out: Outcome | undefined;
      tf.tidy(() => {
        const t0 = performance.now();
        const r = odeintWithStats(f, y0, p.ref.t, { method, rtol, atol: rtol });
        const ms = performance.now() - t0;
        out = { stats: r.stats, ys: r.ys.dataSync(), ms };
      });
      return out!;
    };
    return measureRow(field.f, solve, repeats, p, 'wrapped');
  } finally {
    const leaked = tf.memory().numTensors - before;
    y0.dispose();
    field.dispose();
    if (leaked !== 0) throw new Error(`${p.name} ${method} float32: ${leaked} tensors leaked`);
  }
}

/** One loose solve per method on the tensor path, so that the first timed row does not pay for kernel set-up. */
function warmUpTensorPath(p: Problem, methods: readonly string[]): void {
  const field = p.tensorField();
  const y0 = tf.tensor2d([p.ref.y0]);
  const t = p.ref.t.slice(0, Math.min(p.ref.t.length, 20));
  for (const method of methods) tf.tidy(() => void odeintWithStats(field.f, y0, t, { method, rtol: 1e-3, atol: 1e-3 }));
  y0.dispose();
  field.dispose();
}

function measureAll(timing: Timing, options: BenchOptions): { records: SolveRecord[]; methods: { name: string; order: number }[] } {
  const methods = createRegistry()
    .list('integrator')
    .filter((m) => m.adaptive)
    .map((m) => ({ name: m.name, order: m.order }));
  const records: SolveRecord[] = [];
  for (const p of problems()) {
    checkTensorField(p);
    warmUpTensorPath(p, methods.map((m) => m.name));
    for (const m of methods) {
      for (const rtol of TOLERANCES) {
        for (const path of ['float64', 'float32'] as const) {
          const repeats = path === 'float64' ? timing.f64 : timing.f32;
          const base = { problem: p.name, method: m.name, order: m.order, path, rtol, atol: rtol };
          const empty = { nfe: null, steps: null, rejected: null, medianMs: null, maxAbsErr: null, maxRelErr: null, endAbsErr: null };
          try {
            const r = path === 'float64' ? solveFloat64(p, m.name, rtol, repeats) : solveFloat32(p, m.name, rtol, repeats);
            records.push({ ...base, status: 'ok', error: null, ...r });
            options.log(
              `  ${p.name} ${m.name} ${path} rtol ${rtol}: nfe ${r.nfe}, ${r.medianMs.toFixed(2)} ms, ` +
                `max err ${r.maxAbsErr.toExponential(2)}, overhead ${r.overheadMicrosPerStep.toFixed(1)} µs/step`,
            );
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            const belowFloor = e instanceof ConfigError && e.path.endsWith('rtol') && path === 'float32' && rtol < RTOL_FLOOR.float32;
            records.push({
              ...base,
              status: belowFloor ? 'below-float32-floor' : 'failed',
              error: message,
              ...empty,
              overheadMicrosPerStep: null,
              fMicrosPerEval: null,
              repeats: 0,
            });
            options.log(`  ${p.name} ${m.name} ${path} rtol ${rtol}: ${belowFloor ? FLOOR_NA : 'FAILED'}: ${message}`);
          }
        }
      }
    }
  }
  return { records, methods };
}

async function run(options: BenchOptions): Promise<SuiteResult> {
  const timing = options.quick ? QUICK : FULL;
  await initBackend('cpu');
  const timerMicros = timerPairMicros();
  const loadStart = os.loadavg().map((x) => round(x));

  options.log('integrators: adaptive methods on spiral and double-pendulum-b (cpu backend for tensors)');
  const { records, methods } = measureAll(timing, options);
  const list = problems();

  options.log('integrators: SciPy RK45');
  const scipy = runScipy(list, TOLERANCES.map((rtol) => ({ rtol, atol: rtol })));
  if (!scipy.available) options.log(`  skipped: scipy not available (${scipy.reason})`);
  const comparisons = compare(records, scipy, list);

  options.log('integrators: MLP evaluation vs tensor-path overhead');
  const mlp: MlpResult[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const span of ['segment', 'long'] as const) {
      const r = await measureMlp(backend, timing.mlp, span);
      mlp.push(r);
      options.log(
        r.available
          ? `  ${backend} ${span}: eval ${r.evalMicros.toFixed(1)} µs, overhead ${r.overheadMicrosPerStep.toFixed(1)} µs/step (${r.steps}+${r.rejected} steps)`
          : `  ${backend}: unavailable (${r.reason})`,
      );
    }
  }
  await initBackend('cpu');

  const loadEnd = os.loadavg().map((x) => round(x));
  const floorRow = records.find((r) => r.status === 'below-float32-floor');
  const failed = records.filter((r) => r.status === 'failed');
  const notes = [
    `atol = rtol at every tolerance (${TOLERANCES.join(', ')}); methods: the registry's adaptive integrators (${methods.map((m) => m.name).join(', ')})`,
    `float64: odeint64 with the system plugin's derivative; float32: odeintWithStats on a [1, dim] tensor with the field written in tf ops, tfjs cpu backend`,
    `errors against SciPy DOP853 at rtol = atol = 1e-13 over all output times: max abs = max |y - y_ref| over times and components; ` +
      `max rel = max over times of max_j |y_j - y_ref,j| / max_j |y_ref,j|`,
    `median ms per solve over the row's timed solves (column 'solves'): float64 ${timing.f64.min}..${timing.f64.max} plain solves after a warm-up, ` +
      `float32 ${timing.f32.min}..${timing.f32.max} (solves until ${timing.f64.budgetMs} / ${timing.f32.budgetMs} ms of solving)` +
      (options.quick ? ' (--quick: a smoke check, not figures to quote)' : ''),
    `overhead µs/step = (solve time - time inside f) / (accepted + rejected), median over as many solves with f wrapped in performance.now(); ` +
      `it includes the initial-step heuristic, error norms (one device read per step on tensors), dense output at every output time and the final stack; ` +
      `the wrapper's two performance.now() calls cost ${timerMicros.toFixed(3)} µs per evaluation, part of which lands in the overhead ` +
      `and part in f µs/eval (so float64 f µs/eval, a few arithmetic operations, is mostly the timer's own cost)`,
    `load average (1, 5, 15 min) ${loadStart.join(', ')} at the start and ${loadEnd.join(', ')} at the end, on ${os.cpus().length} cores: ` +
      `the machine is shared, and timings grow with its load`,
    `nfe counts the initial f(t0, y0) and the one evaluation of the initial-step heuristic (SciPy's nfev counts the same two)`,
  ];
  if (floorRow) notes.push(`float32 at rtol ${floorRow.rtol}: ${FLOOR_NA}; odelab says: ${floorRow.error}`);
  for (const f of failed) notes.push(`FAILED ${f.problem} ${f.method} ${f.path} rtol ${f.rtol}: ${f.error}`);
  if (scipy.available) {
    const ratios = comparisons.map((c) => c.nfeRatio);
    notes.push(
      `SciPy ${scipy.scipy} (numpy ${scipy.numpy}, Python ${scipy.python}) RK45 via solve_ivp(t_eval=t, dense_output=False); ` +
        `nfe ratio = odelab dopri5 nfe / SciPy nfev, ${Math.min(...ratios).toFixed(3)}..${Math.max(...ratios).toFixed(3)}; ` +
        `${comparisons.filter((c) => c.within15Percent).length}/${comparisons.length} within 15%, ` +
        `${comparisons.filter((c) => c.atLeastAsAccurate).length}/${comparisons.length} at least as accurate (max abs error over all outputs); ` +
        `err@end is the error at the final time, which both reach with a step (the other outputs come from each solver's 4th-order continuous extension)`,
      `controllers: odelab follows Hairer (and SciPy): it may shrink slightly after an accepted step and never grows right after a rejection; ` +
        `torchdiffeq never shrinks after an accepted step, otherwise the same family`,
    );
  } else notes.push(`SciPy comparison skipped: scipy not available (${scipy.reason})`);
  for (const r of mlp) if (!r.available) notes.push(`MLP on ${r.backend}: unavailable: ${r.reason}`);
  notes.push(
    `MLP: W1 ~ N(0, 1), b1 ~ N(0, 0.25), W2 ~ N(0, 1/${MLP_HIDDEN}), b2 = 0 (fixed seed); eval = median over ` +
      `${timing.mlp.rounds * timing.mlp.evalsPerRound} single calls inside tf.tidy, overhead = median over ${timing.mlp.rounds * timing.mlp.solvesPerRound} ` +
      `dopri5 solves, in ${timing.mlp.rounds} alternating rounds; span 'segment' is the demo's training segment (10 outputs on [0, ${MLP_TIMES.at(-1)}]), ` +
      `where the few steps per solve carry the fixed costs (initial-step heuristic, ${MLP_TIMES.length - 2} interpolations, final stack: see overhead µs/solve); ` +
      `span 'long' (10 outputs on [0, 20]) shows the steady per-step overhead`,
  );

  const mlpJson: Json[] = mlp.map((r) => ({ ...r }));
  return {
    tables: [
      ...list.map((p) => ({ title: `${p.description}; atol = rtol`, rows: solveRows(records, p.name) })),
      comparisonTable(scipy, comparisons),
      mlpTable(mlp),
    ],
    summary: {
      tolerances: [...TOLERANCES],
      atolEqualsRtol: true,
      methods: methods.map((m) => ({ ...m })),
      solves: records.map((r) => ({ ...r })),
      scipy: scipy.available
        ? { available: true, scipy: scipy.scipy, numpy: scipy.numpy, python: scipy.python, comparisons: comparisons.map((c) => ({ ...c })) }
        : { available: false, reason: `skipped: scipy not available (${scipy.reason})` },
      dopri5NfeRatio: comparisons.map((c) => ({ problem: c.problem, rtol: c.rtol, ratio: c.nfeRatio })),
      mlp: mlpJson,
      timerPairMicros: timerMicros,
      timing: { f64: { ...timing.f64 }, f32: { ...timing.f32 }, mlp: { ...timing.mlp } },
      loadavg: { start: loadStart, end: loadEnd },
    },
    notes,
  };
}

export const integratorsSuite: Suite = {
  name: 'integrators',
  description: 'adaptive integrators: nfe, steps, accuracy vs SciPy references, solver overhead; dopri5 vs SciPy RK45',
  run,
};
