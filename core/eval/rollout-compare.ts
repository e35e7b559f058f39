/**
 * A model's rollouts next to the ground truth's from the same initial
 * states, as plain arrays (what `odelab eval --rollout` writes as JSON).
 */
import type { Model } from '../model.ts';
import type { Integrator } from '../ode/types.ts';
import type { System } from '../system.ts';
import { modelRollout, truthRollout } from './mechanics.ts';

export interface RolloutComparison {
  t: number[];
  /** x0[k]: initial state k. */
  x0: number[][];
  /** predicted[k][p]: the model's state from x0[k] at t[p] (float32 values). */
  predicted: number[][][];
  /** truth[k][p]: the system's state from x0[k] at t[p] (float64 ground truth). */
  truth: number[][][];
}

/**
 * Roll the model and the system out from each start through the times t.
 * @param integrator the model's integrator (the experiment's, evaluation budget).
 * @param truth the float64 ground-truth integrator.
 * @throws NumericalError when the model's rollout diverges.
 */
export function compareRollout(model: Model, system: System, integrator: Integrator, truth: Integrator, starts: readonly Float64Array[], t: readonly number[]): RolloutComparison {
  const plain = (trajectories: Float64Array[][]) => trajectories.map((states) => states.map((x) => Array.from(x)));
  return {
    t: [...t],
    x0: starts.map((x) => Array.from(x)),
    predicted: plain(modelRollout(model, integrator)(starts, t)),
    truth: plain(truthRollout(system, truth)(starts, t)),
  };
}
