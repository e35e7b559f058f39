/**
 * Whether an experiment's integrator can integrate its system: the
 * separable methods (Method.requiresSeparable: leapfrog, yoshida4) need a
 * mechanical state x = (q, q̇) whose acceleration q̈ depends on q only.
 * A system declares no such thing, so it is tested numerically: at a few
 * sampled states, q̇ is perturbed and q̈ must not change (nor may dq/dt
 * differ from q̇). Velocity-dependent forces (the charged particle's Lorentz
 * force, the rotating frame's Coriolis force, the double pendulum's q̇²
 * terms) are caught this way. A bare vector field given to odeint/odeint64
 * cannot be checked; there the caller is trusted.
 */
import { ConfigError } from '../errors.ts';
import type { Method } from '../ode/method.ts';
import { Rng } from '../random.ts';
import type { System } from '../system.ts';

/** Why `system` is not separable (q̈ a function of q alone), or null when it is, at `samples` sampled states. */
export function nonSeparableReason(system: System, samples = 8, seed = 21): string | null {
  const m = system.mechanical;
  if (!m) return 'it is not a mechanical system with a state (q, q̇)';
  const n = m.coordinates;
  if (system.stateDim !== 2 * n) return `its state has ${system.stateDim} components, not 2 × ${n} (q, q̇)`;
  const rng = new Rng(seed);
  for (let s = 0; s < samples; s++) {
    const x = system.sampleInitialState(rng);
    const d = system.derivative(0, x);
    const scale = 1 + Math.max(...Array.from(d, Math.abs));
    for (let i = 0; i < n; i++) {
      if (Math.abs(d[i]! - x[n + i]!) > 1e-9 * (1 + Math.abs(x[n + i]!))) return `its dq/dt is not q̇ (component ${i + 1})`;
    }
    const y = Float64Array.from(x);
    for (let i = n; i < 2 * n; i++) y[i] = x[i]! + (1 + Math.abs(x[i]!)) * (rng.range(0, 1) < 0.5 ? -1 : 1) * rng.range(0.5, 1);
    const e = system.derivative(0, y);
    for (let i = n; i < 2 * n; i++) {
      if (!(Math.abs(e[i]! - d[i]!) <= 1e-8 * scale)) {
        return `its acceleration depends on q̇ (q̈${i - n + 1} changes from ${d[i]!.toPrecision(4)} to ${e[i]!.toPrecision(4)} when only q̇ changes)`;
      }
    }
  }
  return null;
}

/**
 * A ConfigError at `integrator.name` when `method` needs a separable system
 * and `system` (named `systemName`) is not one.
 */
export function checkSeparableSystem(method: Method, systemName: string, system: () => System): void {
  if (!method.requiresSeparable) return;
  const reason = nonSeparableReason(system());
  if (reason) {
    throw new ConfigError(
      'integrator.name',
      `integrator.name: '${method.name}' needs a separable mechanical system (acceleration a function of q alone), ` +
        `but system '${systemName}' is not: ${reason}; use implicit-midpoint (symplectic for any Hamiltonian) or an explicit method`,
    );
  }
}
