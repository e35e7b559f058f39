/**
 * Gradients through an event time (Chen, Amos & Nickel, "Learning neural
 * event functions", ICLR 2021; torchdiffeq's ImplicitFnGradientRerouting).
 *
 * The event time t* solves g(t*, y(t*; θ); φ) = 0, so by the implicit
 * function theorem dt* = −(g_y ∂y + g_φ dφ) / ġ with ġ = g_t + g_y · f(t*, y*),
 * where ∂y is the change of the solution at the fixed time t*. The solver
 * gives y at a fixed (numeric) time with its gradients; eventTimeAndState
 * turns it into the pair (t*, y(t*)) whose gradients include dt*: for
 * upstream gradients (ā of t*, Ȳ of y*) it hands back
 *   Ȳ − μ g_y to the fixed-time state and −μ g_φ to φ, μ = (ā + Ȳ · f*) / ġ.
 * A solve that starts at t* depends on it too: startingAt adds −ȳ₀ · f(t*, y₀)
 * to t*'s gradient (the derivative of a flow with respect to its start time).
 */
import { ErrorCodes, NumericalError } from '../errors.ts';
import { isolatedGradients, untaped } from '../tensor/nested-gradients.ts';
import { tf } from '../tensor/tf.ts';

/** ∂g/∂t, ∂g/∂y (y's shape) and ∂g/∂φ (one per parameter) at a point. */
export interface EventPartials {
  gt: number;
  gy: tf.Tensor;
  gParams: tf.Tensor[];
}
export type EventPartialsAt = (t: number, y: tf.Tensor) => EventPartials;

type Field = (t: number, y: tf.Tensor) => tf.Tensor;

/** A central difference of g in t, with a step balancing truncation and float32 rounding (cube root of ε). */
function timeDerivative(g: (t: number) => number, t: number, eps: number): number {
  const delta = Math.cbrt(eps) * Math.max(1, Math.abs(t));
  return (g(t + delta) - g(t - delta)) / (2 * delta);
}

/** Partials of a tensor event function g(t, y; φ) → scalar: ∂g/∂y and ∂g/∂φ from tfjs, ∂g/∂t by a central difference. */
export function tensorEventPartials(eventFn: (t: number, y: tf.Tensor) => tf.Tensor, params: readonly tf.Variable[]): EventPartialsAt {
  return (t, y) => {
    const { grads } = isolatedGradients(() => tf.sum(eventFn(t, y)) as tf.Scalar, [y, ...params]);
    const [gy, ...gParams] = grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? y : params[i - 1]!));
    const value = (tt: number) => untaped(() => tf.tidy(() => tf.sum(eventFn(tt, y)).dataSync()[0]!));
    return { gt: timeDerivative(value, t, 1.2e-7), gy: gy!, gParams };
  };
}

/** Partials of a float64 event function of the whole state, by central differences in float64. */
export function float64EventPartials(g: (t: number, y: Float64Array) => number): EventPartialsAt {
  return (t, y) => {
    const x = Float64Array.from(untaped(() => y.dataSync()));
    const gy = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const delta = Math.cbrt(Number.EPSILON) * Math.max(1, Math.abs(xi));
      x[i] = xi + delta;
      const up = g(t, x);
      x[i] = xi - delta;
      const down = g(t, x);
      x[i] = xi;
      gy[i] = (up - down) / (2 * delta);
    }
    return { gt: timeDerivative((tt) => g(tt, x), t, Number.EPSILON), gy: tf.tensor(Float32Array.from(gy), y.shape), gParams: [] };
  };
}

/**
 * The event time as a scalar tensor and the state there, with the implicit
 * function theorem's gradients (see the file's header). `yFixed` is the
 * solution at the numeric time tEvent, with its own gradients.
 */
export function eventTimeAndState(
  func: Field,
  partials: EventPartialsAt,
  tEvent: number,
  yFixed: tf.Tensor,
  params: readonly tf.Variable[] = [],
): { eventTime: tf.Scalar; y: tf.Tensor } {
  const shape = yFixed.shape;
  const n = yFixed.size;
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([args[0] as tf.Tensor]);
    return {
      value: tf.concat([tf.tensor1d([tEvent]), tf.reshape(args[0] as tf.Tensor, [n])]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const y = saved[0]!;
        const { gt, gy, gParams } = partials(tEvent, y);
        const fStar = untaped(() => func(tEvent, y));
        const [aBar, yBarFlat] = tf.split(d, [1, n]);
        const yBar = tf.reshape(yBarFlat!, shape);
        const [gDot, mu] = tf.tidy(() => {
          const rate = gt + tf.sum(tf.mul(gy, fStar)).dataSync()[0]!;
          return [rate, tf.div(tf.add(tf.reshape(aBar!, []), tf.sum(tf.mul(yBar, fStar))), rate)];
        }) as [number, tf.Tensor];
        if (!(Math.abs(gDot) > 0) || !Number.isFinite(gDot)) {
          throw new NumericalError(
            ErrorCodes.NUMERICAL_NON_FINITE,
            `the event at t = ${tEvent} is grazing (dg/dt = ${gDot} along the solution): its time has no derivative there`,
            tEvent,
          );
        }
        return [tf.sub(yBar, tf.mul(mu, gy)), ...gParams.map((gp) => tf.neg(tf.mul(mu, gp)))];
      },
    };
  });
  const packed = op(yFixed, ...params) as tf.Tensor;
  return { eventTime: tf.reshape(tf.slice(packed, [0], [1]), []) as tf.Scalar, y: tf.reshape(tf.slice(packed, [1], [n]), shape) };
}

/** y, as the initial state of a solve that starts at the event time: its start time's gradient (−ȳ · f(t*, y)) reaches t*. */
export function startingAt(func: Field, eventTime: tf.Scalar, y: tf.Tensor): tf.Tensor {
  const tEvent = untaped(() => eventTime.dataSync()[0]!);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([args[1] as tf.Tensor]);
    return {
      value: tf.clone(args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const y0 = saved[0]!;
        const f = untaped(() => func(tEvent, y0));
        return [tf.neg(tf.sum(tf.mul(d, f))), d];
      },
    };
  });
  return op(eventTime, y) as tf.Tensor;
}
