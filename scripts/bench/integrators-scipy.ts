/**
 * SciPy's RK45 on the `integrators` suite's problems, beside odelab's dopri5:
 * the same
 * Dormand-Prince 5(4) pair, the same RMS mixed error norm, safety 0.9,
 * growth <= 10, shrink >= 0.2, exponent -1/5 and Hairer's initial step.
 * odelab's controller follows Hairer's codes as SciPy does (it may shrink
 * after an accepted step and never grows right after a rejection);
 * torchdiffeq never shrinks after an accepted step.
 *
 * A Python script (below) runs `solve_ivp(method='RK45', rtol, atol,
 * t_eval=t, dense_output=False)` and returns nfev and the trajectory; the
 * errors are computed here, with the same metric as odelab's rows.
 */
import { spawnSync } from 'node:child_process';
import type { FieldSpec, Problem } from './integrators-problems.ts';

const SCRIPT = String.raw`
import json, math, sys, time
try:
    import numpy as np
    import scipy
    from scipy.integrate import solve_ivp
except ImportError as e:
    print(json.dumps({"unavailable": "cannot import numpy/scipy: %s" % e}))
    sys.exit(0)

req = json.load(sys.stdin)

def field(spec):
    if spec["kind"] == "spiral":
        A = np.array(spec["A"], dtype=float)
        return lambda t, y: (y ** 3) @ A
    m1, m2, l1, l2, g = (spec[k] for k in ("m1", "m2", "l1", "l2", "g"))
    def f(t, x):
        t1, t2, w1, w2 = x
        d = t1 - t2
        den = 2 * m1 + m2 - m2 * math.cos(2 * d)
        a1 = (-g * (2 * m1 + m2) * math.sin(t1) - m2 * g * math.sin(t1 - 2 * t2)
              - 2 * math.sin(d) * m2 * (w2 * w2 * l2 + w1 * w1 * l1 * math.cos(d))) / (l1 * den)
        a2 = (2 * math.sin(d) * (w1 * w1 * l1 * (m1 + m2) + g * (m1 + m2) * math.cos(t1)
              + w2 * w2 * l2 * m2 * math.cos(d))) / (l2 * den)
        return np.array([w1, w2, a1, a2])
    return f

out = []
for p in req["problems"]:
    f = field(p["field"])
    t = p["t"]
    for tol in req["tolerances"]:
        t0 = time.perf_counter()
        sol = solve_ivp(f, (t[0], t[-1]), p["y0"], method="RK45", rtol=tol["rtol"], atol=tol["atol"],
                        t_eval=t, dense_output=False)
        ms = (time.perf_counter() - t0) * 1000
        out.append({"problem": p["name"], "rtol": tol["rtol"], "atol": tol["atol"], "nfev": int(sol.nfev),
                    "success": bool(sol.success), "message": str(sol.message), "ms": ms,
                    "y": sol.y.T.tolist()})
print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__,
                  "python": sys.version.split()[0], "results": out}))
`;

export interface ScipyRun {
  problem: string;
  rtol: number;
  atol: number;
  nfev: number;
  success: boolean;
  message: string;
  /** Wall time of the solve_ivp call in Python (one run; not comparable with odelab's). */
  ms: number;
  /** State at each output time. */
  y: number[][];
}

export type ScipyOutcome =
  | { available: true; scipy: string; numpy: string; python: string; results: ScipyRun[] }
  | { available: false; reason: string };

interface ScipyRequest {
  problems: { name: string; field: FieldSpec; y0: number[]; t: number[] }[];
  tolerances: { rtol: number; atol: number }[];
}

/** Run SciPy's RK45 on the problems at each tolerance, or say why it could not. */
export function runScipy(problems: readonly Problem[], tolerances: readonly { rtol: number; atol: number }[]): ScipyOutcome {
  const request: ScipyRequest = {
    problems: problems.map((p) => ({ name: p.name, field: p.field, y0: p.ref.y0, t: p.ref.t })),
    tolerances: [...tolerances],
  };
  const r = spawnSync('python3', ['-c', SCRIPT], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.error) return { available: false, reason: `python3 could not be run (${r.error.message})` };
  if (r.status !== 0) {
    const why = r.stderr.trim().split('\n').at(-1) ?? `exit status ${r.status}`;
    return { available: false, reason: `the SciPy script failed: ${why}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    return { available: false, reason: `the SciPy script printed no JSON: ${r.stdout.slice(0, 200)}` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { available: false, reason: 'the SciPy script printed no object' };
  if ('unavailable' in parsed) return { available: false, reason: String(parsed.unavailable) };
  const ok = parsed as { scipy: string; numpy: string; python: string; results: ScipyRun[] };
  return { available: true, scipy: ok.scipy, numpy: ok.numpy, python: ok.python, results: ok.results };
}
