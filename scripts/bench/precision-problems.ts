/**
 * The problems of the `precision` suite (and of test/core/ode/float32-accuracy.test.ts):
 * four initial-value problems with float64 references in test/fixtures/reference,
 * each with its vector field in float64 and in tf ops (the float32 tensor path).
 *
 * - kepler-close: Kepler, GM = 1, eccentricity 0.9 (pericentre 0.1, speed 4.36
 *   there, acceleration 100), two periods from pericentre: two close approaches.
 * - double-pendulum-a: chaotic (both arms horizontal at rest), first 2 s only.
 * - van-der-pol-mu10: x'' - 10 (1 - x²) x' + x = 0 from (2, 0) over 0..20: the slow
 *   branches (stiff-ish: explicit steps are stability-limited there) and two fast jumps.
 * - spiral: torchdiffeq's demo, y' = y³A, 0..25.
 *
 * Every initial state is exactly representable in float32 (the two new problems
 * are defined so; spiral's and the pendulum's π/2 differ by 4e-8 relative, which the
 * short pendulum horizon keeps far below the errors measured), so the float32 path
 * solves the same problem as the reference and what is compared is the solver.
 *
 * The double pendulum and spiral reuse the `integrators` suite's problems
 * (integrators-problems.ts) with their fixtures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateSystem } from '../../core/physics/instantiate.ts';
import { tf } from '../../core/tensor/tf.ts';
import kepler from '../../plugins/systems/kepler.ts';
import type { Reference } from '../../test/helpers/reference.ts';
import { loadReference } from '../../test/helpers/reference.ts';
import { problems as integratorProblems, type Problem } from './integrators-problems.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/reference/', import.meta.url));

/** The two fixtures this suite added (see that folder's README). */
export type PrecisionReferenceName = 'kepler-close' | 'van-der-pol-mu10';

export function loadPrecisionReference(name: PrecisionReferenceName): Reference {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Reference;
}

/** A problem of this suite: an integrators-suite Problem without its SciPy field spec. */
export type PrecisionProblem = Omit<Problem, 'field'> & {
  /** The default absolute tolerance of the suite's solves on this problem. */
  atol: number;
};

// ---- Kepler, e = 0.9 ----------------------------------------------------------------------

export const KEPLER_E = 0.9;
/** From pericentre, float32-representable: x = fround(0.1), vy = fround(√((1+e)/(1-e))). */
export const KEPLER_Y0 = [Math.fround(1 - KEPLER_E), 0, 0, Math.fround(Math.sqrt((1 + KEPLER_E) / (1 - KEPLER_E)))];
export const KEPLER_T = Array.from({ length: 201 }, (_, i) => (4 * Math.PI * i) / 200);

const keplerSystem = () => instantiateSystem(kepler, kepler.options.parse({}, 'system'));

function keplerTensorField(): { f: (t: number, y: tf.Tensor) => tf.Tensor; dispose(): void } {
  const f = (_t: number, y: tf.Tensor): tf.Tensor => {
    const [x, yy, vx, vy] = tf.split(y, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const r2 = tf.add(tf.square(x), tf.square(yy));
    const k = tf.neg(tf.reciprocal(tf.mul(r2, tf.sqrt(r2))));
    return tf.concat([vx, vy, tf.mul(k, x), tf.mul(k, yy)], 1);
  };
  return { f, dispose: () => {} };
}

// ---- Van der Pol, μ = 10 ------------------------------------------------------------------

export const VDP_MU = 10;
export const VDP_Y0 = [2, 0];
export const VDP_T = Array.from({ length: 201 }, (_, i) => (20 * i) / 200);

export function vanDerPol(_t: number, y: Float64Array): Float64Array {
  const [x, v] = [y[0]!, y[1]!];
  return Float64Array.of(v, VDP_MU * (1 - x * x) * v - x);
}

function vanDerPolTensorField(): { f: (t: number, y: tf.Tensor) => tf.Tensor; dispose(): void } {
  const f = (_t: number, y: tf.Tensor): tf.Tensor => {
    const [x, v] = tf.split(y, 2, 1) as [tf.Tensor, tf.Tensor];
    const a = tf.sub(tf.mul(tf.mul(tf.sub(1, tf.square(x)), v), VDP_MU), x);
    return tf.concat([v, a], 1);
  };
  return { f, dispose: () => {} };
}

/** The first `n` output times of a reference. */
function truncate(ref: Reference, n: number): Reference {
  return { ...ref, t: ref.t.slice(0, n), y: ref.y.slice(0, n), ...(ref.energy ? { energy: ref.energy.slice(0, n) } : {}) };
}

/** The suite's problems, in its table order. */
export function precisionProblems(): PrecisionProblem[] {
  const [spiral, pendulumB] = integratorProblems() as [Problem, Problem];
  const k = keplerSystem();
  const kRef = loadPrecisionReference('kepler-close');
  const vRef = loadPrecisionReference('van-der-pol-mu10');
  const pRef = truncate(loadReference('double-pendulum-a'), 21);
  const strip = ({ field: _field, ...rest }: Problem) => rest;
  return [
    {
      name: 'kepler-close',
      description: `Kepler e = ${KEPLER_E} from pericentre (r = 0.1), 0..4π (two close approaches), ${kRef.t.length} outputs`,
      ref: kRef,
      f64: (t, y) => k.derivative(t, y),
      tensorField: keplerTensorField,
      atol: 1e-9,
    },
    {
      // The same default-option double pendulum as -b (the field is the plugin's), started at -a's state.
      ...strip(pendulumB),
      name: 'double-pendulum-a',
      description: `double pendulum, chaotic start (π/2, π/2, 0, 0), 0..${pRef.t.at(-1)}, ${pRef.t.length} outputs`,
      ref: pRef,
      atol: 1e-9,
    },
    {
      name: 'van-der-pol-mu10',
      description: `Van der Pol μ = ${VDP_MU} from (2, 0), 0..20 (slow branches and two fast jumps), ${vRef.t.length} outputs`,
      ref: vRef,
      f64: vanDerPol,
      tensorField: vanDerPolTensorField,
      atol: 1e-9,
    },
    { ...strip(spiral), atol: 1e-9 },
  ];
}

// ---- Generating the two fixtures ----------------------------------------------------------

/** Python: SciPy DOP853 at rtol = atol = 1e-13 on the same two problems, for the cross-check. */
const SCIPY = String.raw`
import json, math, sys
import numpy as np
from scipy.integrate import solve_ivp
req = json.load(sys.stdin)
def kepler(t, y):
    r3 = (y[0] ** 2 + y[1] ** 2) ** 1.5
    return [y[2], y[3], -y[0] / r3, -y[1] / r3]
def vdp(t, y):
    return [y[1], req["mu"] * (1 - y[0] ** 2) * y[1] - y[0]]
out = {}
for name, f in (("kepler-close", kepler), ("van-der-pol-mu10", vdp)):
    p = req[name]
    sol = solve_ivp(f, (p["t"][0], p["t"][-1]), p["y0"], method="DOP853", rtol=1e-13, atol=1e-13, t_eval=p["t"])
    out[name] = sol.y.T.tolist()
print(json.dumps(out))
`;

/**
 * Write kepler-close.json and van-der-pol-mu10.json (odeint64 dopri8, rtol = atol = 1e-13)
 * and return each one's largest relative distance from SciPy's DOP853 at the same tolerance.
 * Run with `npx tsx scripts/bench/precision-problems.ts --write-references`.
 */
export async function writeReferences(): Promise<Record<string, number>> {
  const { odeint64 } = await import('odelab');
  const { spawnSync } = await import('node:child_process');
  const k = keplerSystem();
  const specs = {
    'kepler-close': {
      description: `Kepler problem GM=1, eccentricity ${KEPLER_E}, start at pericentre (x, y, vx, vy) with float32-representable values, two periods (two close approaches at r = 0.1)`,
      y0: KEPLER_Y0,
      t: KEPLER_T,
      f: (t: number, y: Float64Array) => k.derivative(t, y),
    },
    'van-der-pol-mu10': {
      description: `Van der Pol oscillator x'' - mu (1 - x^2) x' + x = 0, mu = ${VDP_MU}, state (x, x'), from (2, 0) over 0..20 (slow branches, two fast jumps)`,
      y0: VDP_Y0,
      t: VDP_T,
      f: vanDerPol,
    },
  };
  const request = { mu: VDP_MU, ...Object.fromEntries(Object.entries(specs).map(([n, s]) => [n, { y0: s.y0, t: s.t }])) };
  const py = spawnSync('/usr/bin/python3', ['-c', SCIPY], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (py.status !== 0) throw new Error(`SciPy cross-check failed: ${py.stderr}`);
  const scipy = JSON.parse(py.stdout) as Record<string, number[][]>;
  const distance: Record<string, number> = {};
  for (const [name, s] of Object.entries(specs)) {
    const { ys } = odeint64(s.f, s.y0, s.t, { method: 'dopri8', rtol: 1e-13, atol: 1e-13 });
    const y = ys.map((v) => Array.from(v));
    let worst = 0;
    y.forEach((row, i) => {
      const size = Math.max(...row.map(Math.abs));
      const err = Math.max(...row.map((v, j) => Math.abs(v - scipy[name]![i]![j]!)));
      worst = Math.max(worst, err / size);
    });
    distance[name] = worst;
    const ref = {
      name,
      description: s.description,
      method: `odelab odeint64 dopri8, float64, rtol=atol=1e-13; cross-checked against scipy solve_ivp DOP853 rtol=atol=1e-13: largest relative distance ${worst.toExponential(1)}`,
      y0: s.y0,
      t: s.t,
      y,
    };
    writeFileSync(`${FIXTURES}${name}.json`, JSON.stringify(ref) + '\n');
  }
  return distance;
}

if (process.argv.includes('--write-references')) {
  writeReferences().then((d) => console.log(JSON.stringify(d)));
}
