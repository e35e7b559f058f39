/**
 * The `precision` suite: work-precision data for every adaptive integrator
 * in the registry, on the float64 path (`odeint64`) and the float32 tensor
 * path (`odeintWithStats`, tfjs cpu backend), at rtol 1e-3 .. 1e-8 (atol
 * 1e-9), on four problems with float64 references (precision-problems.ts):
 * the worst relative error over the output times, max_i max_j |y_ij - ref_ij|
 * / max_j |ref_ij|, against the function evaluations. Printed as a table
 * (and as JSON with --json: `summary.lines`, one line per problem, method and
 * precision), and drawn, one panel per problem, log-log, to docs/precision.svg
 * with odelab's own plotting.
 *
 * What it shows: whether float32 solves are as accurate as the tolerance
 * allows, i.e. whether the float32 line follows the float64 one down to
 * where float32 rounding takes over (`summary.float32VsFloat64`: the error
 * and nfe ratios at each rtol ≥ 1e-7).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { figure, type ChartSpec, type Series } from '../../core/eval/plot/index.ts';
import { initBackend } from '../../core/tensor/backend.ts';
import { tf } from '../../core/tensor/tf.ts';
import { odeint64, odeintWithStats, type SolveStats } from 'odelab';
import { createRegistry } from 'odelab/node';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { accuracy, flatten, sci } from './integrators-problems.ts';
import { precisionProblems, type PrecisionProblem } from './precision-problems.ts';

export const PRECISION_RTOLS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8] as const;
const QUICK_RTOLS = [1e-3, 1e-5, 1e-7] as const;
const IMAGE = fileURLToPath(new URL('../../docs/precision.svg', import.meta.url));

export type Precision = 'float64' | 'float32';

export interface PrecisionPoint {
  rtol: number;
  nfe: number;
  rejected: number;
  /** Worst relative error over the output times (see accuracy().maxRel). */
  error: number;
}

/** One solve of `p` with `method` at `rtol` on the given path. */
export function measurePoint(p: PrecisionProblem, method: string, precision: Precision, rtol: number): PrecisionPoint {
  const options = { method, rtol, atol: p.atol, maxSteps: 200_000 };
  let stats: SolveStats;
  let ys: ArrayLike<number>;
  if (precision === 'float64') {
    const r = odeint64(p.f64, p.ref.y0, p.ref.t, options);
    stats = r.stats;
    ys = flatten(r.ys);
  } else {
    const field = p.tensorField();
    try {
      const out: { stats?: SolveStats; ys?: Float32Array } = {};
      tf.tidy(() => {
        const r = odeintWithStats(field.f, tf.tensor2d([p.ref.y0]), p.ref.t, options);
        out.stats = r.stats;
        out.ys = r.ys.dataSync() as Float32Array;
      });
      stats = out.stats!;
      ys = out.ys!;
    } finally {
      field.dispose();
    }
  }
  return { rtol, nfe: stats.nfe, rejected: stats.rejected, error: accuracy(ys, p.ref).maxRel };
}

export interface PrecisionLine {
  problem: string;
  method: string;
  precision: Precision;
  points: PrecisionPoint[];
}

/** The work-precision figure: one log-log panel per problem, one line per method and precision. */
export function precisionFigure(problems: readonly PrecisionProblem[], lines: readonly PrecisionLine[], methods: readonly string[]): Uint8Array {
  const panels: ChartSpec[] = problems.map((p) => ({
    title: p.name,
    xLabel: 'function evaluations',
    yLabel: 'worst relative error',
    logX: true,
    logY: true,
    series: lines
      .filter((l) => l.problem === p.name)
      .map(
        (l): Series => ({
          name: `${l.method} ${l.precision === 'float64' ? 'f64' : 'f32'}`,
          x: l.points.map((q) => q.nfe),
          y: l.points.map((q) => q.error),
          style: 'line+points',
          dashed: l.precision === 'float32',
          color: `C${methods.indexOf(l.method) % 10}`,
        }),
      ),
  }));
  return figure({
    panels,
    columns: 2,
    panelWidth: 640,
    panelHeight: 440,
    title: 'work-precision: rtol 1e-3 .. 1e-8, atol 1e-9 (solid float64, dashed float32 tensors)',
  });
}

async function run(o: BenchOptions): Promise<SuiteResult> {
  await initBackend('cpu');
  const rtols = o.quick ? QUICK_RTOLS : PRECISION_RTOLS;
  const methods = createRegistry()
    .list('integrator')
    .filter((p) => p.adaptive)
    .map((p) => p.name);
  const problems = precisionProblems();
  const lines: PrecisionLine[] = [];
  const rows: Row[] = [];
  for (const p of problems) {
    o.log(`precision: ${p.name}`);
    for (const method of methods) {
      for (const precision of ['float64', 'float32'] as const) {
        const points = rtols.map((rtol) => measurePoint(p, method, precision, rtol));
        lines.push({ problem: p.name, method, precision, points });
        for (const q of points) {
          rows.push({ problem: p.name, method, precision, rtol: sci(q.rtol), nfe: q.nfe, rejected: q.rejected, 'worst rel err': sci(q.error) });
        }
      }
    }
  }
  // float32 against float64 at the tolerances where float32 should not be the floor.
  const ratios: Row[] = [];
  for (const l of lines.filter((x) => x.precision === 'float32')) {
    const twin = lines.find((x) => x.problem === l.problem && x.method === l.method && x.precision === 'float64')!;
    l.points.forEach((q, i) => {
      if (q.rtol < 1e-7) return;
      const r = twin.points[i]!;
      ratios.push({ problem: l.problem, method: l.method, rtol: sci(q.rtol), 'err f32/f64': Number((q.error / r.error).toFixed(2)), 'nfe f32/f64': Number((q.nfe / r.nfe).toFixed(3)) });
    });
  }
  let image: string | null = null;
  if (!o.quick) {
    writeFileSync(IMAGE, precisionFigure(problems, lines, methods));
    image = 'docs/precision.svg';
  }
  const worst = ratios.reduce((m, r) => Math.max(m, r['err f32/f64'] as number), 0);
  return {
    tables: [
      { title: 'work-precision: worst relative error over the output times vs nfe (atol 1e-9)', rows },
      { title: 'float32 tensors vs float64 at rtol >= 1e-7: error and nfe ratios', rows: ratios },
    ],
    summary: {
      date: new Date().toISOString(),
      backend: 'cpu',
      rtols: [...rtols],
      problems: problems.map((p) => ({ name: p.name, description: p.description, atol: p.atol })) as unknown as Json,
      lines: lines as unknown as Json,
      float32VsFloat64: ratios as unknown as Json,
      worstErrorRatioAtOrAbove1e7: worst,
      image,
    },
    notes: [
      'float64: odeint64 with the field in float64; float32: odeintWithStats on a [1, dim] tensor with the field in tf ops (tfjs cpu backend)',
      'error: max over output times of max_j |y_j - ref_j| / max_j |ref_j|; references: test/fixtures/reference (README there)',
      'every initial state is float32-representable except the pendulum\'s π/2 (4e-8 relative, far below the errors over its 2 s)',
      image ? `figure written to ${image}` : 'quick: no figure written',
    ],
  };
}

export const precisionSuite: Suite = {
  name: 'precision',
  description: 'work-precision (worst relative error vs nfe) of every adaptive method, float64 and float32, rtol 1e-3..1e-8, four problems',
  run,
};
