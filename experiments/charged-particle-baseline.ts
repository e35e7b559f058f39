/**
 * The baseline of experiments/charged-particle-lnn.ts: an unstructured MLP
 * from (q, q̇) to q̈ (same width and activation, a standard initialisation),
 * everything else taken from that file.
 */
import { defineExperiment } from 'odelab';
import lnn from './charged-particle-lnn.ts';

export default defineExperiment({
  ...lnn,
  name: 'charged-particle-baseline',
  description: 'unstructured MLP baseline of experiments/charged-particle-lnn.ts',
  model: { name: 'mlp', hidden: [64, 64], activation: 'softplus', init: 'glorot-normal', output: 'acceleration' },
});
