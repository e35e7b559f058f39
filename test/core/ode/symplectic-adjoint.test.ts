// The symplectic adjoint (core/ode/symplectic-adjoint.ts): the partner of every built-in explicit tableau satisfies
// the symplecticity conditions; one step of the partner's adjoint recursion equals the tape's reverse of that step;
// and the whole strategy (every step stored) equals forward-mode float64 derivatives to 1e-10, fixed and adaptive.
import test from 'ava';
import { createRegistry } from 'odelab/node';
import { everyBoundary } from '../../../core/ode/checkpoint-schedule.ts';
import { CheckpointTape } from '../../../core/ode/checkpoint-tape.ts';
import { hostAlgebra } from '../../../core/ode/checkpoint-values.ts';
import { float64Ops } from '../../../core/ode/float64-ops.ts';
import * as builtins from '../../../core/ode/methods/index.ts';
import { symplecticityResidual, symplecticPartner } from '../../../core/ode/symplectic-adjoint.ts';
import { ButcherTableau } from '../../../core/ode/tableau.ts';
import { explicitMethods, forwardModeDerivative, integratorOf, lossWeights, tangentDirection, testField } from './checkpoint-reference64.ts';
import { relativeDistance } from '../../helpers/mlp64.ts';

const registry = createRegistry();
const tableaus = Object.values(builtins).filter((v): v is ButcherTableau => v instanceof ButcherTableau);

test('the tableaus are found', (t) => {
  t.true(tableaus.length >= 8, tableaus.map((x) => x.name).join(', '));
});

for (const tab of tableaus) {
  test(`the symplectic partner of ${tab.name}`, (t) => {
    const p = symplecticPartner(tab);
    if (p.aBar === null) {
      // dopri5, dopri8, bosh3, tsit5 (FSAL: b_s = 0): the partner is undefined; the division-free recursion runs.
      t.true(p.zeroWeights.length > 0);
      t.true(p.zeroWeights.every((i) => tab.b[i] === 0));
      return;
    }
    t.true(symplecticityResidual(tab, p.aBar) < 1e-15, `residual ${symplecticityResidual(tab, p.aBar)}`);
    // A wrong partner (ā = a) fails the conditions.
    const a = Array.from({ length: tab.stages }, (_, i) => Array.from({ length: tab.stages }, (_, j) => (j < i ? tab.a[i]![j]! : 0)));
    if (tab.stages > 1) t.true(symplecticityResidual(tab, a) > 1e-3);
  });
}

for (const tab of tableaus.filter((x) => symplecticPartner(x).aBar !== null)) {
  test(`one step of the partner's adjoint recursion equals the tape's reverse of the step: ${tab.name}`, (t) => {
    const h = 0.3;
    const aBar = symplecticPartner(tab).aBar!;
    const f = testField();
    const field = f.grad;
    // Forward stages.
    const ys: Float64Array[] = [];
    const ks: Float64Array[] = [];
    for (let i = 0; i < tab.stages; i++) {
      const yi = i === 0 ? Float64Array.from(f.y0) : float64Ops.combine(f.y0, h, tab.a[i]!, ks);
      ys.push(yi);
      ks.push(field.value(tab.c[i]! * h, yi).y);
    }
    const lambda1 = lossWeights(1, f.y0.length)[0]!;
    // Backward with the partner: Λ_i = λ₁ − h Σ_j (b_j − ā_ij) ℓ_j, ℓ_i = −J_iᵀ Λ_i; λ₀ = λ₁ − h Σ b_i ℓ_i; g_θ = h Σ b_i ∂f/∂θᵀ Λ_i.
    const ell: Float64Array[] = new Array(tab.stages);
    for (let i = tab.stages - 1; i >= 0; i--) {
      const Lam = Float64Array.from(lambda1);
      for (let j = i + 1; j < tab.stages; j++) for (let k = 0; k < Lam.length; k++) Lam[k]! -= h * (tab.b[j]! - aBar[i]![j]!) * ell[j]![k]!;
      const w = h * tab.b[i]!;
      const jt = field.vjp(tab.c[i]! * h, ys[i]!, null, Lam.map((v) => v * w)); // adds h b_i ∂f/∂θᵀ Λ_i to dTheta
      ell[i] = jt.map((v) => -v / w);
    }
    const lambda0 = Float64Array.from(lambda1);
    for (let i = 0; i < tab.stages; i++) for (let k = 0; k < lambda0.length; k++) lambda0[k]! -= h * tab.b[i]! * ell[i]![k]!;
    // The tape's reverse of the same step.
    const g = testField();
    const p = registry.get('integrator', tab.name);
    const integ = p.create(p.options.parse({}, 'integrator') as never);
    const tape = new CheckpointTape(g.grad, hostAlgebra('float64'), everyBoundary, Infinity);
    tape.forward(integ, g.y0, [0, h]);
    const dy0 = tape.backward((i) => (i === 1 ? lambda1 : undefined));
    t.true(relativeDistance(lambda0, dy0) < 1e-13, `λ₀: ${relativeDistance(lambda0, dy0)}`);
    t.true(relativeDistance(f.dTheta, g.dTheta) < 1e-13, `g_θ: ${relativeDistance(f.dTheta, g.dTheta)}`);
  });
}

for (const name of explicitMethods(registry)) {
  test(`the symplectic adjoint equals forward-mode derivatives of the float64 discrete solve to 1e-10: ${name}`, (t) => {
    const integ = integratorOf(registry, name);
    const f = testField();
    const tape = new CheckpointTape(f.grad, hostAlgebra('float64'), everyBoundary, Infinity);
    const ys = tape.forward(integ, f.y0, [0, 0.4, 1.1, 1.6]);
    const w = lossWeights(ys.length, f.y0.length);
    const dy0 = tape.backward((i) => w[i]);
    // The states at every step are held (and one step's values in the backward pass), nothing more.
    t.true(tape.stats.peakSnapshotValues <= 3 * (tape.stats.steps + tape.stats.rejected + 2), `${tape.stats.peakSnapshotValues} values for ${tape.stats.steps} steps`);
    t.is(tape.stats.backwardNfe, tape.stats.vjps, 'each stage is recomputed once and reversed once');
    for (let k = 0; k < 2; k++) {
      const dir = tangentDirection(k, f);
      const want = forwardModeDerivative(integ, dir, w);
      const got = dy0.reduce((a, v, i) => a + v * dir.dy0[i]!, 0) + f.dTheta.reduce((a, v, i) => a + v * dir.dTheta[i]!, 0);
      const err = Math.abs(got - want) / Math.abs(want);
      t.true(err < 1e-10, `direction ${k}: relative ${err.toExponential(2)}`);
    }
  });
}
