/**
 * The `stiff` suite: odelab's implicit radau5 against SciPy's Radau and BDF
 * (scripts/bench/stiff_scipy.py, run with /usr/bin/python3 when SciPy
 * imports), with dopri5 for contrast, on two stiff problems:
 *
 * - Robertson's kinetics from (1, 0, 0) to t = 1e11, rtol 1e-6, atol 1e-10;
 * - Van der Pol μ = 1000 from (2, 0) over [0, 3000] (about two periods of
 *   1614), rtol = atol = 1e-6.
 *
 * Columns: nfe (every evaluation of f, the finite-difference Jacobian's
 * included), nfe without the Jacobian's (what SciPy's nfev counts), njev,
 * nlu (SciPy counts the real and the complex factorisation of Radau as
 * two), accepted steps, and the error at the end point against SciPy Radau
 * at rtol 1e-12: the largest |y − ref| / (atol + rtol |ref|) over the
 * components, in units of the requested tolerance.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NumericalError, odeint64, type SolveStats } from 'odelab';
import { robertsonField, robertsonJacobian } from '../../plugins/systems/robertson.ts';
import { vanDerPolField, vanDerPolJacobian } from '../../plugins/systems/van-der-pol-stiff.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REF = { rtol: 1e-12, atol: 1e-14 };
const DOPRI_CAP = 200_000;

interface StiffProblem {
  name: 'robertson' | 'van-der-pol-1000';
  description: string;
  f: (t: number, y: Float64Array) => Float64Array;
  jacobian: (t: number, y: Float64Array) => Float64Array;
  y0: number[];
  t1: number;
  rtol: number;
  atol: number;
}

const PROBLEMS: StiffProblem[] = [
  { name: 'robertson', description: 'Robertson to t = 1e11', f: robertsonField(), jacobian: robertsonJacobian(), y0: [1, 0, 0], t1: 1e11, rtol: 1e-6, atol: 1e-10 },
  { name: 'van-der-pol-1000', description: 'Van der Pol μ = 1000 over [0, 3000]', f: vanDerPolField(1000), jacobian: vanDerPolJacobian(1000), y0: [2, 0], t1: 3000, rtol: 1e-6, atol: 1e-6 },
];

interface ScipyRun { method: string; nfev: number; njev: number; nlu: number; steps: number; success: boolean; message: string; ms: number; y: number[] }
interface ScipyResult { problem: string; reference: number[]; refSuccess: boolean; refSteps: number; runs: ScipyRun[] }
type ScipyOutcome = { available: true; scipy: string; results: ScipyResult[] } | { available: false; reason: string };

function runScipy(): ScipyOutcome {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(python, [path.join(HERE, 'stiff_scipy.py')], {
    input: JSON.stringify({ problems: PROBLEMS.map(({ name, y0, t1, rtol, atol }) => ({ name, y0, t1, rtol, atol })), refRtol: REF.rtol, refAtol: REF.atol }),
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.error) return { available: false, reason: `python3 could not be run (${r.error.message})` };
  if (r.status !== 0) return { available: false, reason: `the SciPy script failed: ${r.stderr.trim().split('\n').at(-1)}` };
  const parsed = JSON.parse(r.stdout) as { unavailable?: string; scipy: string; results: ScipyResult[] };
  if (parsed.unavailable) return { available: false, reason: parsed.unavailable };
  return { available: true, scipy: parsed.scipy, results: parsed.results };
}

function scaledError(y: ArrayLike<number>, ref: readonly number[] | undefined, p: StiffProblem): number | null {
  if (!ref) return null;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(y[i]! - ref[i]!) / (p.atol + p.rtol * Math.abs(ref[i]!)));
  return worst;
}

const sig = (x: number | null) => (x === null ? null : Number(x.toPrecision(3)));

export const stiffSuite: Suite = {
  name: 'stiff',
  description: 'implicit radau5 vs SciPy Radau/BDF (and dopri5) on Robertson to 1e11 and Van der Pol mu = 1000',
  async run(options: BenchOptions): Promise<SuiteResult> {
    options.log('stiff: SciPy references and runs');
    const scipy = runScipy();
    const rows: Row[] = [];
    const summary: { [key: string]: Json } = {};
    const notes: string[] = [];
    if (!scipy.available) notes.push(`SciPy unavailable (${scipy.reason}): no SciPy rows and no reference errors`);
    else notes.push(`SciPy ${scipy.scipy}; reference: SciPy Radau at rtol ${REF.rtol}, atol ${REF.atol}`);
    for (const p of PROBLEMS) {
      const sp = scipy.available ? scipy.results.find((r) => r.problem === p.name) : undefined;
      const ref = sp?.reference;
      const n = p.y0.length;
      const odelab = (label: string, method: string, extra: object, jacobianFd: boolean) => {
        options.log(`stiff: ${p.name} ${label}`);
        const t0 = performance.now();
        try {
          const r = odeint64(p.f, p.y0, [0, p.t1], { method, rtol: p.rtol, atol: p.atol, ...extra });
          const s: SolveStats = r.stats;
          rows.push({
            problem: p.name, method: label, nfe: s.nfe, 'nfe w/o J': jacobianFd ? s.nfe - n * (s.njev ?? 0) : s.nfe,
            njev: s.njev ?? null, nlu: s.nlu ?? null, steps: s.steps, rejected: s.rejected,
            'err/tol': sig(scaledError(r.ys[1]!, ref, p)), ms: Math.round(performance.now() - t0), status: 'ok',
          });
          return s;
        } catch (e) {
          if (!(e instanceof NumericalError)) throw e;
          rows.push({
            problem: p.name, method: label, nfe: null, 'nfe w/o J': null, njev: null, nlu: null, steps: null, rejected: null,
            'err/tol': null, ms: Math.round(performance.now() - t0), status: `did not finish in ${(extra as { maxSteps?: number }).maxSteps ?? '?'} steps`,
          });
          return undefined;
        }
      };
      const radau = odelab('odelab radau5', 'radau5', {}, true);
      odelab('odelab radau5 (exact J)', 'radau5', { jacobian: p.jacobian }, false);
      for (const run of sp?.runs ?? []) {
        rows.push({
          problem: p.name, method: `scipy ${run.method}`, nfe: null, 'nfe w/o J': run.nfev, njev: run.njev, nlu: run.nlu,
          steps: run.steps, rejected: null, 'err/tol': sig(scaledError(run.y, ref, p)), ms: Math.round(run.ms), status: run.success ? 'ok' : run.message,
        });
      }
      odelab('odelab dopri5', 'dopri5', { maxSteps: options.quick ? 20_000 : DOPRI_CAP }, false);
      const sciRadau = sp?.runs.find((r) => r.method === 'Radau');
      if (radau && sciRadau) {
        const ratio = (radau.nfe - n * (radau.njev ?? 0)) / sciRadau.nfev;
        summary[`${p.name}.nfeRatioVsScipyRadau`] = Number(ratio.toFixed(3));
        notes.push(`${p.name}: odelab radau5 uses ${ratio.toFixed(2)}× SciPy Radau's nfev (both without the Jacobian's evaluations; target ≤ 1.5×)`);
      }
    }
    notes.push("nfe counts every evaluation of f; 'nfe w/o J' leaves out the finite-difference Jacobian's n per Jacobian, as SciPy's nfev does");
    notes.push('err/tol: max over components of |y − ref| / (atol + rtol |ref|) at the end point; ms: one run (SciPy in Python)');
    return { tables: [{ title: 'stiff problems: cost and end-point error', rows }], summary, notes };
  },
};
