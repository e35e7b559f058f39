/**
 * A model plugin's outputs checked once before a run is created: the vector
 * field (and, for mechanical models, the accelerations) on a small batch of
 * the system's own states must have the batch's shape and be finite. A
 * third-party model with a wrong output shape otherwise fails deep inside a
 * solver step, or trains on broadcast garbage.
 */
import type { ResolvedExperiment } from '../config/resolve.ts';
import { ConfigError } from '../errors.ts';
import type { Model } from '../model.ts';
import { Rng } from '../random.ts';
import type { System } from '../system.ts';
import { tf } from '../tensor/tf.ts';

const BATCH = 2;

function checkOutput(r: ResolvedExperiment, fn: string, out: tf.Tensor, expected: number[]): void {
  const shape = `[${out.shape.join(', ')}]`;
  if (out.shape.length !== expected.length || out.shape.some((d, i) => d !== expected[i])) {
    throw new ConfigError('model', `model plugin '${r.model.name}': ${fn} returned shape ${shape} for a batch of ${BATCH} states of '${r.system.name}'; expected [${expected.join(', ')}]`);
  }
  if (!(out.dataSync() as Float32Array).every(Number.isFinite)) {
    throw new ConfigError('model', `model plugin '${r.model.name}': ${fn} returned non-finite values at its initial weights on states of '${r.system.name}'`);
  }
}

/** Throws a ConfigError naming the model plugin and the function whose output is wrong. */
export function checkModelOutputs(r: ResolvedExperiment, system: System, model: Model): void {
  const rng = new Rng(0);
  const dim = system.stateDim;
  const states = new Float32Array(BATCH * dim);
  for (let b = 0; b < BATCH; b++) states.set(system.sampleInitialState(rng), b * dim);
  tf.tidy(() => {
    const x = tf.tensor2d(states, [BATCH, dim]);
    checkOutput(r, 'vectorField(t, x)', model.vectorField(0, x), [BATCH, dim]);
    const n = system.mechanical?.coordinates;
    if (model.acceleration && n !== undefined) checkOutput(r, 'acceleration(x)', model.acceleration(x), [BATCH, n]);
  });
}
