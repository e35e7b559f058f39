/**
 * Tables and the SciPy comparison of the `integrators` suite (see
 * integrators.ts): one row per solve, odelab dopri5 against SciPy RK45, and
 * the tensor-path overhead against an MLP evaluation.
 */
import type { Row, Table } from './index.ts';
import { accuracy, round, sci, type Problem } from './integrators-problems.ts';
import type { ScipyOutcome } from './integrators-scipy.ts';
import { MLP_BATCH, MLP_HIDDEN, MLP_TOL, type MlpResult } from './integrators-mlp.ts';

export const FLOOR_NA = 'n/a (below float32 rtol floor)';

export type Path = 'float64' | 'float32';

export interface SolveRecord {
  problem: string;
  method: string;
  order: number;
  path: Path;
  rtol: number;
  atol: number;
  status: 'ok' | 'below-float32-floor' | 'failed';
  error: string | null;
  nfe: number | null;
  steps: number | null;
  rejected: number | null;
  medianMs: number | null;
  maxAbsErr: number | null;
  maxRelErr: number | null;
  /** Max abs error at the final time. */
  endAbsErr: number | null;
  /** Median over repeats of (solve ms - ms inside f) / (steps + rejected), in µs. */
  overheadMicrosPerStep: number | null;
  /** Median over repeats of ms inside f / nfe, in µs (includes part of the timer's own cost). */
  fMicrosPerEval: number | null;
  repeats: number;
}

export function solveRows(records: readonly SolveRecord[], problem: string): Row[] {
  return records
    .filter((r) => r.problem === problem)
    .map((r) => ({
      method: r.method,
      path: r.path,
      rtol: sci(r.rtol),
      status: r.status === 'ok' ? 'ok' : r.status === 'below-float32-floor' ? FLOOR_NA : 'FAILED (see notes)',
      nfe: r.nfe,
      accepted: r.steps,
      rejected: r.rejected,
      'median ms': r.medianMs === null ? null : round(r.medianMs, 3),
      'max abs err': sci(r.maxAbsErr),
      'max rel err': sci(r.maxRelErr),
      'overhead µs/step': r.overheadMicrosPerStep === null ? null : round(r.overheadMicrosPerStep, 2),
      'f µs/eval': r.fMicrosPerEval === null ? null : round(r.fMicrosPerEval, 2),
      solves: r.repeats,
    }));
}

export interface Comparison {
  problem: string;
  rtol: number;
  atol: number;
  odelabNfe: number;
  scipyNfev: number;
  /** odelab nfe / SciPy nfev. */
  nfeRatio: number;
  within15Percent: boolean;
  odelabMaxAbsErr: number;
  scipyMaxAbsErr: number;
  odelabMaxRelErr: number;
  scipyMaxRelErr: number;
  /** odelab max abs error / SciPy max abs error (<= 1: at least as accurate). */
  errRatio: number;
  /** Max abs error at the final time, a step end for both (no interpolation). */
  odelabEndAbsErr: number;
  scipyEndAbsErr: number;
  atLeastAsAccurate: boolean;
  odelabFloat32Nfe: number | null;
  scipySuccess: boolean;
}

export function compare(records: readonly SolveRecord[], outcome: ScipyOutcome, list: readonly Problem[]): Comparison[] {
  if (!outcome.available) return [];
  return outcome.results.flatMap((s): Comparison[] => {
    const mine = records.find((r) => r.problem === s.problem && r.method === 'dopri5' && r.path === 'float64' && r.rtol === s.rtol);
    const mine32 = records.find((r) => r.problem === s.problem && r.method === 'dopri5' && r.path === 'float32' && r.rtol === s.rtol);
    const p = list.find((q) => q.name === s.problem)!;
    if (!mine || mine.status !== 'ok') return [];
    const theirs = accuracy(s.y.flat(), p.ref);
    const nfeRatio = mine.nfe! / s.nfev;
    return [
      {
        problem: s.problem,
        rtol: s.rtol,
        atol: s.atol,
        odelabNfe: mine.nfe!,
        scipyNfev: s.nfev,
        nfeRatio,
        within15Percent: Math.abs(nfeRatio - 1) <= 0.15,
        odelabMaxAbsErr: mine.maxAbsErr!,
        scipyMaxAbsErr: theirs.maxAbs,
        odelabMaxRelErr: mine.maxRelErr!,
        scipyMaxRelErr: theirs.maxRel,
        errRatio: mine.maxAbsErr! / theirs.maxAbs,
        odelabEndAbsErr: mine.endAbsErr!,
        scipyEndAbsErr: theirs.endAbs,
        // Equal up to rounding counts as at least as accurate.
        atLeastAsAccurate: mine.maxAbsErr! <= theirs.maxAbs * (1 + 1e-6),
        odelabFloat32Nfe: mine32?.nfe ?? null,
        scipySuccess: s.success,
      },
    ];
  });
}

export function comparisonTable(outcome: ScipyOutcome, comparisons: readonly Comparison[]): Table {
  const title = 'odelab dopri5 (float64) vs SciPy RK45 (stand-in for torchdiffeq dopri5), atol = rtol';
  if (!outcome.available) return { title, rows: [{ comparison: 'skipped: scipy not available', reason: outcome.reason }] };
  return {
    title,
    rows: comparisons.map((c) => ({
      problem: c.problem,
      rtol: sci(c.rtol),
      'odelab nfe': c.odelabNfe,
      'scipy nfev': c.scipyNfev,
      'nfe ratio': round(c.nfeRatio, 3),
      'within 15%': c.within15Percent ? 'yes' : 'no',
      'odelab max abs err': sci(c.odelabMaxAbsErr),
      'scipy max abs err': sci(c.scipyMaxAbsErr),
      'err ratio': round(c.errRatio, 3),
      'as accurate': c.atLeastAsAccurate ? 'yes' : 'no',
      'odelab err@end': sci(c.odelabEndAbsErr),
      'scipy err@end': sci(c.scipyEndAbsErr),
      'odelab f32 nfe': c.odelabFloat32Nfe,
    })),
  };
}

export function mlpTable(results: readonly MlpResult[]): Table {
  return {
    title: `tensor-path dopri5 overhead vs one 2-${MLP_HIDDEN}-2 tanh MLP evaluation (batch ${MLP_BATCH}, rtol = atol = ${MLP_TOL.rtol})`,
    rows: results.map((r): Row =>
      r.available
        ? {
            backend: r.backend,
            span: r.span,
            'mlp eval µs': round(r.evalMicros, 1),
            'overhead µs/step': round(r.overheadMicrosPerStep, 1),
            'overhead / eval': round(r.ratio, 2),
            'overhead µs/solve': round(r.overheadMicrosPerSolve, 0),
            nfe: r.nfe,
            accepted: r.steps,
            rejected: r.rejected,
            'solve ms': round(r.solveMs, 3),
            'f µs/eval in solve': round(r.fMicrosInSolve, 1),
          }
        : { backend: `${r.backend} (unavailable, see notes)`, span: r.span, 'mlp eval µs': null, 'overhead µs/step': null, 'overhead / eval': null },
    ),
  };
}
