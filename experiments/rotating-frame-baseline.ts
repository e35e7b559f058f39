/**
 * The baseline of experiments/rotating-frame-lnn.ts: an unstructured MLP
 * from (q, q̇) to q̈ (same width and activation, a standard initialisation),
 * everything else taken from that file.
 */
import { defineExperiment } from 'odelab';
import lnn from './rotating-frame-lnn.ts';

export default defineExperiment({
  ...lnn,
  name: 'rotating-frame-baseline',
  description: 'unstructured MLP baseline of experiments/rotating-frame-lnn.ts',
  model: { name: 'mlp', hidden: [64, 64], activation: 'softplus', init: 'glorot-normal', output: 'acceleration' },
});
