/**
 * Gradients taken inside another gradient's backward pass (the adjoint's
 * vector-Jacobian products run inside tfjs's custom-gradient callback) or
 * inside a custom op's forward function (Jacobians of implicit methods).
 *
 * tfjs's engine.gradients() keeps one process-wide tape: started at depth 0
 * it replaces the active tape, and when it finishes it sets it to null,
 * which breaks the outer backward pass still running (tfjs-core engine.ts,
 * `gradients`: "this.state.activeTape.forEach" on null). We run the inner
 * computation on a tape of its own and put the outer one back afterwards.
 */
import { tf } from './tf.ts';

export function isolatedGradients(f: () => tf.Scalar, xs: tf.Tensor[]): { value: tf.Scalar; grads: (tf.Tensor | null)[] } {
  const state = tf.engine().state;
  const outer = state.activeTape;
  const depth = state.gradientDepth;
  // Inside a custom op's forward function (kernelDepth > 0) tfjs records nothing; the inner tape must.
  const kernelDepth = state.kernelDepth;
  state.activeTape = [];
  state.gradientDepth = 0;
  state.kernelDepth = 0;
  try {
    const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
    return { value, grads: grads as (tf.Tensor | null)[] };
  } finally {
    state.activeTape = outer;
    state.gradientDepth = depth;
    state.kernelDepth = kernelDepth;
  }
}

/**
 * Run fn with the tape off: what it computes is a constant to any gradient
 * being recorded around it (tfjs records only while gradientDepth > 0).
 * Events use it to locate their time without recording the search.
 */
export function untaped<T>(fn: () => T): T {
  const state = tf.engine().state;
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.gradientDepth = depth;
  }
}
