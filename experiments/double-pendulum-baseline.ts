/**
 * The baseline of Cranmer et al. 2020's double-pendulum experiment: an
 * unstructured MLP from (q, q̇) to q̈ (angles as (cos θ, sin θ) as for the
 * LNN, same width and activation, a standard initialisation), trained and evaluated exactly like
 * experiments/double-pendulum-lnn.ts: everything but the model is taken
 * from that file, so the two runs differ only in the model.
 */
import { defineExperiment } from 'odelab';
import lnn from './double-pendulum-lnn.ts';

export default defineExperiment({
  ...lnn,
  name: 'double-pendulum-baseline',
  description: 'unstructured MLP baseline on the double pendulum, acceleration regression (Cranmer et al. 2020, scaled)',
  model: { name: 'mlp', hidden: [128, 128], activation: 'softplus', init: 'glorot-normal', angleInput: 'sin-cos', output: 'acceleration' },
});
