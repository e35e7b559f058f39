/**
 * The tfjs engine's peak byte count while a function runs, for the memory
 * and gradients suites' child processes. tf.profile only samples between
 * kernels and keeps a record per kernel (millions in a long solve); a setter
 * on the engine's count sees every change.
 */
import { tf } from 'odelab';

/** The engine's peak byte count (and live tensors at that peak) while `f` runs. */
export function watchPeak<T>(f: () => T): { result: T; peakBytes: number; tensorsAtPeak: number } {
  const state = tf.engine().state;
  let bytes = state.numBytes;
  let peakBytes = bytes;
  let tensorsAtPeak = state.numTensors;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => bytes,
    set: (v: number) => {
      bytes = v;
      if (v > peakBytes) {
        peakBytes = v;
        tensorsAtPeak = state.numTensors; // registerTensor counts the tensor before its bytes
      }
    },
  });
  try {
    return { result: f(), peakBytes, tensorsAtPeak };
  } finally {
    Object.defineProperty(state, 'numBytes', { configurable: true, enumerable: true, writable: true, value: bytes });
  }
}
