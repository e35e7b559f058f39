/**
 * The baseline of `npm start`'s experiment: an unstructured MLP from (q, q̇)
 * to q̈ (same inputs, width and activation as the LNN, a standard
 * initialisation), trained and evaluated exactly like
 * experiments/double-pendulum-quick.ts, whose everything but the model it
 * takes. Its rollouts show what the LNN's structure buys: energy is not
 * conserved and some rollouts blow up.
 */
import { defineExperiment } from 'odelab';
import quick from './double-pendulum-quick.ts';

export default defineExperiment({
  ...quick,
  name: 'double-pendulum-quick-baseline',
  description: 'unstructured MLP baseline of the quick double-pendulum experiment',
  next: 'npx odelab run experiments/double-pendulum-baseline.ts   (the full baseline of Cranmer et al.\'s comparison, about 20 minutes)',
  model: { name: 'mlp', hidden: [128, 128], activation: 'softplus', init: 'glorot-normal', angleInput: 'sin-cos', output: 'acceleration' },
});
